"""What a verified resource-link launch opens.

Every launch binds its resource link to the link's own exam (rules from the ``proctor_exam`` custom parameter) and
remembers the gradebook line item. A learner then gets their proctoring session for the activity, opened on the
first launch and resumed while it is active (on a quiz-linked activity, a new one for each quiz attempt); an
instructor gets the review of every session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from pylti1p3.contrib.django.lti1p3_tool_config.models import LtiTool

from lms_adapter.exam_params import config_from_custom, exam_slug
from lms_adapter.models import LearnerAttempt, ResourceLink
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
EXTERNAL_ID_MAX = 255
OPEN_TRIES = 3


def bind_resource_link(tool: LtiTool, claims: Mapping[str, Any]) -> ResourceLink:
    """The launch's activity, created or brought up to date (title, rules, line item) from the claims."""
    deployment_id = str(claims[CLAIM + "deployment_id"])
    link = claims[CLAIM + "resource_link"]
    context = claims.get(CLAIM + "context") or {}
    ags = claims.get(AGS_CLAIM) or {}
    config = api.validated_config(config_from_custom(claims.get(CLAIM + "custom") or {}))
    title = str(link.get("title") or context.get("title") or "Proctored activity")[:200]
    with transaction.atomic():
        exam = api.get_or_create_exam(
            exam_slug(tool.issuer, tool.client_id, deployment_id, str(link["id"])), title=title, config=config
        )
        if exam.config != config.model_dump(mode="json"):
            api.update_exam_config(exam, config)
        defaults = {
            "exam": exam,
            "title": title,
            "context_id": str(context.get("id", "")),
            "context_title": str(context.get("title", "")),
        }
        if ags.get("lineitem"):  # a launch without it (e.g. some instructor launches) keeps the known line item
            defaults.update(lineitem_url=str(ags["lineitem"]), ags_scopes=list(ags.get("scope", [])))
        resource_link, _ = ResourceLink.objects.update_or_create(
            tool=tool, deployment_id=deployment_id, resource_link_id=str(link["id"]), defaults=defaults
        )
    return resource_link


def learner_session(resource_link: ResourceLink, claims: Mapping[str, Any]) -> tuple[ProctoringSession, str | None]:
    """The learner's session for the activity and a fresh token: opened on the first launch, resumed after.

    A new token replaces the previous one, so only the latest launch's page keeps working. On a plain activity an
    ended session gets no token: the learner sees its result. On a quiz-linked activity the launch after an ended
    session opens the learner's next one, for the next quiz attempt.
    """
    user_id = str(claims["sub"])
    for _ in range(OPEN_TRIES):
        latest = resource_link.attempts.select_related("session__exam").filter(user_id=user_id).order_by("-sequence")
        attempt = latest.first()
        if attempt is not None and (attempt.session.active or resource_link.quiz_linked_at is None):
            break
        try:
            return _open(resource_link, claims, user_id, sequence=attempt.sequence + 1 if attempt else 1)
        except IntegrityError:  # the same learner's concurrent launch opened it first: resume that one
            continue
    else:
        raise IntegrityError(f"could not open or resume the session of learner {user_id!r} for {resource_link}")
    if not attempt.session.active:
        return attempt.session, None
    return attempt.session, api.reissue_token(attempt.session)


def _open(
    resource_link: ResourceLink, claims: Mapping[str, Any], user_id: str, *, sequence: int
) -> tuple[ProctoringSession, str]:
    with transaction.atomic():
        session, token = api.open_session(
            exam=resource_link.exam,
            name=_display_name(claims),
            email=str(claims.get("email", ""))[:254],
            external_id=_external_id(resource_link.tool.issuer, user_id),
            context={
                "lti_issuer": resource_link.tool.issuer,
                "lti_context_id": resource_link.context_id,
                "lti_resource_link_id": resource_link.resource_link_id,
            },
        )
        LearnerAttempt.objects.create(resource_link=resource_link, user_id=user_id, session=session, sequence=sequence)
    return session, token


def launch_return_url(claims: Mapping[str, Any]) -> str:
    """Where the platform wants the learner to go when done (``launch_presentation.return_url``), if http(s)."""
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    url = str(presentation.get("return_url") or "") if isinstance(presentation, Mapping) else ""
    return url if url.startswith(("https://", "http://")) and len(url) <= 2048 else ""


def _display_name(claims: Mapping[str, Any]) -> str:
    parts = (claims.get("given_name", ""), claims.get("family_name", ""))
    name = claims.get("name") or " ".join(str(part) for part in parts if part)
    return str(name or f"Learner {claims['sub']}")[:200]


def _external_id(issuer: str, user_id: str) -> str:
    """The candidate's identity across activities: issuer and subject (hashed only if too long to store)."""
    external_id = f"{issuer} {user_id}"
    if len(external_id) <= EXTERNAL_ID_MAX:
        return external_id
    return "lti-sha256:" + hashlib.sha256(external_id.encode()).hexdigest()
