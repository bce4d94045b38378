"""Request and response hygiene of every page: NUL characters refused in URLs, and the Content Security Policy.

**NUL.** No URL of the service has a NUL character (``%00``) in its path or query; PostgreSQL cannot even compare
one. :class:`RejectNulMiddleware` answers such a request 400 before any view looks something up with it (JSON
under ``/api/``). Bodies are checked where they are parsed (the API's request models, the forms, the LTI tool).

**CSP.** Every response carries a Content Security Policy, framing included.

Every page the service renders loads its scripts, styles, images and API calls from the service itself (no inline
script or style, no other host): ``default-src 'self'``; images may also be ``data:`` URLs (Swagger UI's icons,
an empty favicon), and scripts may compile WebAssembly (``'wasm-unsafe-eval'``: the on-device face finder's
runtime; it allows no JavaScript ``eval``). ``frame-ancestors`` is ``'none'`` unless ``PROCTOR_FRAME_ANCESTORS``
lists origins (the LMS); then pages outside the admin may be framed by those origins only, and are exempt from Django's
``X-Frame-Options: DENY`` (which cannot name origins). The admin is never framed.

A response that already carries a ``Content-Security-Policy`` (a view that needs its own, e.g. a ``frame-src``)
keeps it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from proctor_core.service.conf import proctor_settings

BASE_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'"
)


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("the URL contains a NUL character")
        return self.get_response(request)


def content_security_policy(frame_ancestors: list[str]) -> str:
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return f"{BASE_POLICY}; frame-ancestors {ancestors}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.origins = list(proctor_settings().FRAME_ANCESTORS)
        self.admin_prefix: str | None = None
        self.framable_policy = content_security_policy(self.origins)
        self.unframable_policy = content_security_policy([])

    def _admin_prefix(self) -> str:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        return self.admin_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        framable = bool(self.origins) and not request.path_info.startswith(self._admin_prefix())
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.framable_policy if framable else self.unframable_policy
        if framable:
            response.xframe_options_exempt = True
        return response
