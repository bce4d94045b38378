"""LTI message endpoints: OIDC login initiation, launch, and the answer of the deep-linking form.

They are exempt from Django's CSRF check because they are reached by cross-site form posts (the platform's login
initiation and id_token form post; the rules form inside the platform's iframe, where the tool's cookies are
blocked) and none of them trusts a cookie. A launch is authenticated by the platform's signed id_token together
with the single-use state and nonce its login stored server-side (:mod:`lms_adapter.tool`); the deep-linking answer
by its launch id, an unguessable server-side key that only the instructor's page received. CSRF abuses the
authority of ambient cookies; these endpoints grant none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from pylti1p3.exception import LtiException, OIDCException

from lms_adapter import tool
from lms_adapter.deep_linking import ExamRulesForm, content_item
from lms_adapter.launch import bind_resource_link, launch_return_url, learner_session
from lms_adapter.review import review_context
from lms_adapter.roles import ROLES_CLAIM, LaunchRole, launch_role
from proctor_core.errors import ProctorError
from proctor_core.service import api
from proctor_core.service.pages.wrapper import exam_address_refusal, exam_unavailable, monitoring_page
from proctor_core.service.throttling import LtiLoginThrottle, allowed

DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"


def refused(request: HttpRequest, title: str, reason: str, status: int) -> HttpResponse:
    return render(request, "lms_adapter/refused.html", {"title": title, "reason": reason}, status=status)


def lti_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF-exempt (see the module docstring); a refused launch or an invalid activity is a clear 4xx page."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (LtiException, OIDCException) as exc:
            return refused(request, "Launch refused", str(exc), 403)
        except ProctorError as exc:
            return refused(request, "This activity cannot start", exc.message, exc.status_code)

    return wrapper


@lti_endpoint
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """OIDC login initiation: redirect to the platform's authorization endpoint, back to the launch URL."""
    may_log_in, wait = allowed(LtiLoginThrottle, request)
    if not may_log_in:
        response = refused(request, "Too many logins", "Too many logins from your network; try again later.", 429)
        response["Retry-After"] = str(math.ceil(wait or 1))
        return response
    return tool.oidc_login(request).redirect(request.build_absolute_uri(reverse("lti:launch")))


@lti_endpoint
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The platform's id_token form post: verified, then the rules form, the review page or the learner's widget."""
    message = tool.message_launch(request)
    claims: Mapping[str, Any] = message.get_launch_data()
    role = launch_role(claims.get(ROLES_CLAIM, []))
    if message.is_deep_link_launch():
        if role is not LaunchRole.INSTRUCTOR:
            return refused(request, "Not allowed", "Only an instructor can add a proctored activity.", 403)
        title = claims[DEEP_LINKING_SETTINGS].get("title") or ExamRulesForm.base_fields["title"].initial
        return _rules_form(request, message.get_launch_id(), ExamRulesForm(initial={"title": title}))
    if not message.is_resource_launch():
        reason = f"This tool does not handle {claims.get(MESSAGE_TYPE)} messages."
        return refused(request, "Unsupported message", reason, 400)
    registration = tool.tool_conf().get_lti_tool(message.get_iss(), message.get_client_id())
    resource_link = bind_resource_link(registration, claims)
    if role is LaunchRole.INSTRUCTOR:
        instructor = claims.get("name") or claims.get("sub", "")
        return render(request, "lms_adapter/review.html", review_context(resource_link, instructor))
    if role is LaunchRole.LEARNER:
        exam_url = resource_link.exam.exam_config().exam_url
        refusal = exam_url and exam_address_refusal(request, exam_url)
        if refusal:  # before a session is opened, or an open one's token replaced, for an exam that cannot be shown
            return exam_unavailable(request, refusal)
        session, token = learner_session(resource_link, claims)
        if token is None:
            return redirect(api.result_url(session))
        extra = {
            "lms": True,
            "return_url": launch_return_url(claims),
            # On a quiz-linked activity the attempt's submission ends the session, not the learner.
            "endable": resource_link.quiz_linked_at is None,
        }
        return monitoring_page(request, session, token, extra)
    return refused(request, "Not available", "This activity is for the course's learners and instructors.", 403)


@lti_endpoint
@require_POST
def deep_link(request: HttpRequest) -> HttpResponse:
    """The rules form's answer: the signed content item, auto-posted back to the platform."""
    message = tool.restored_launch(request, request.POST.get("launch_id", ""))
    claims: Mapping[str, Any] = message.get_launch_data()
    if not message.is_deep_link_launch() or launch_role(claims.get(ROLES_CLAIM, [])) is not LaunchRole.INSTRUCTOR:
        return refused(request, "Not allowed", "Only an instructor's deep-linking launch can add an activity.", 403)
    form = ExamRulesForm(request.POST, tool_origin=request.build_absolute_uri("/").rstrip("/"))
    if not form.is_valid():
        return _rules_form(request, message.get_launch_id(), form, status=400)
    item = content_item(
        title=form.cleaned_data["title"],
        config=form.exam_config,
        launch_url=request.build_absolute_uri(reverse("lti:launch")),
    )
    context = {
        "return_url": claims[DEEP_LINKING_SETTINGS]["deep_link_return_url"],
        "jwt": message.get_deep_link().get_response_jwt([item]),
    }
    return render(request, "lms_adapter/deep_link_return.html", context)


def _rules_form(request: HttpRequest, launch_id: str, form: ExamRulesForm, status: int = 200) -> HttpResponse:
    return render(request, "lms_adapter/rules_form.html", {"form": form, "launch_id": launch_id}, status=status)
