"""Platform setup endpoints: the tool's JWKS, the Canvas configuration URL, LTI Dynamic Registration."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from lms_adapter.dynamic_registration import RegistrationError, claim_link_token, register, release_link_token
from lms_adapter.tool import tool_conf
from lms_adapter.tool_config import ToolUrls, canvas_configuration


@require_GET
@cache_control(max_age=300, public=True)
def jwks(request: HttpRequest) -> JsonResponse:
    """Every stored tool public key with its kid: the current one, and retired ones until they are pruned."""
    return JsonResponse(tool_conf().get_jwks())


@require_GET
def canvas_config(request: HttpRequest) -> JsonResponse:
    """The JSON configuration of a Canvas LTI developer key."""
    return JsonResponse(canvas_configuration(ToolUrls.for_request(request)))


@require_GET
def dynamic_registration(request: HttpRequest, link_token: str) -> HttpResponse:
    """LTI Dynamic Registration, opened by the platform with ``openid_configuration`` and ``registration_token``.

    The link is taken for the registration; a failed registration gives it back for another try while it lasts.
    """
    openid_configuration = request.GET.get("openid_configuration", "")
    try:
        claim = claim_link_token(link_token)
        try:
            if not openid_configuration:
                raise RegistrationError("the platform did not send its openid_configuration URL")
            registration = register(
                openid_configuration, request.GET.get("registration_token", ""), ToolUrls.for_request(request)
            )
        except BaseException:
            release_link_token(claim)
            raise
    except RegistrationError as exc:
        context = {"title": "Registration failed", "reason": str(exc)}
        return render(request, "lms_adapter/refused.html", context, status=exc.status_code)
    return render(
        request,
        "lms_adapter/registered.html",
        {"registration": registration, "platform_origin": _origin(openid_configuration)},
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
