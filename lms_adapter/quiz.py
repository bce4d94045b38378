"""Proctoring a quiz attempt: the ``check``, ``start`` and ``submit`` calls of the platform's quiz access rule.

The rule embeds the activity's ordinary LTI launch on the quiz pages and calls the tool, signed
(:mod:`lms_adapter.platform_calls`), at three moments of an attempt:

- ``check`` (before the attempt starts): is the learner's session ready? It is when it is active, not bound to
  another attempt, monitoring started (consent and device check, recorded by the widget) and a camera frame arrived
  in the last :data:`FRAME_FRESH_S` seconds.
- ``start``: bind that session to the quiz attempt (idempotent for the same attempt); refused (409) if not ready.
- ``submit``: end and score the session bound to the attempt (idempotent); the grade goes through the outbox.

The first call for an activity marks it quiz-linked: from then on a launch after the learner's session ended opens
a new session (:func:`lms_adapter.launch.learner_session`), so each attempt gets its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from lms_adapter.models import LearnerAttempt, ResourceLink
from lms_adapter.platform_calls import PlatformCall
from proctor_core.errors import ProctorError
from proctor_core.service import api
from proctor_core.service.engines import now
from proctor_core.service.models import to_datetime

FRAME_FRESH_S = 15
"""A session is ready only if a camera frame arrived this recently."""

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class QuizRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    cmid: Id
    name: Annotated[StrictStr, Field(max_length=4000)] = ""  # Moodle allows 1333 characters; 255 are kept


class AttemptRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Id
    number: Annotated[int, Field(ge=1, le=10_000)]


class QuizCall(BaseModel):
    """The claims of a quiz call besides those :func:`~lms_adapter.platform_calls.verify` checked."""

    model_config = ConfigDict(extra="ignore")
    sub: Annotated[StrictStr, Field(min_length=1, max_length=255)]
    resource_link_id: Annotated[StrictStr, Field(min_length=1, max_length=255)]
    action: Literal["check", "start", "submit"]
    quiz: QuizRef
    attempt: AttemptRef | None = None

    @model_validator(mode="after")
    def _attempt_for_start_and_submit(self) -> QuizCall:
        if self.action != "check" and self.attempt is None:
            raise ValueError(f"the action {self.action!r} needs the claim 'attempt'")
        return self


class UnknownActivity(ProctorError):
    code = "unknown_activity"
    status_code = 404


class UnknownAttempt(ProctorError):
    code = "unknown_attempt"
    status_code = 404


class NotReady(ProctorError):
    code = "not_ready"
    status_code = 409


class AttemptOfAnotherLearner(ProctorError):
    code = "attempt_of_another_learner"
    status_code = 409


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


def handle(call: PlatformCall, body: QuizCall, *, absolute_url: Callable[[str], str]) -> dict[str, Any]:
    """Answer one verified quiz call (``absolute_url`` makes a path absolute, for the review link)."""
    link = ResourceLink.objects.filter(
        tool=call.registration, deployment_id=call.deployment_id, resource_link_id=body.resource_link_id
    ).first()
    if link is None:
        raise UnknownActivity("no activity with this resource_link_id has been launched from this deployment")
    if link.quiz_linked_at is None:
        ResourceLink.objects.filter(pk=link.pk, quiz_linked_at__isnull=True).update(quiz_linked_at=to_datetime(now()))
    if body.action == "check":
        return check(link, body)
    if body.action == "start":
        return start(link, body)
    return submit(link, body, absolute_url=absolute_url)


def latest_attempt(link: ResourceLink, user_id: str, *, lock: bool = False) -> LearnerAttempt | None:
    """The learner's most recent session for the activity."""
    rows = link.attempts.filter(user_id=user_id).select_related("session").order_by("-sequence")
    return (rows.select_for_update() if lock else rows).first()


def readiness(attempt: LearnerAttempt | None, quiz_attempt_id: int | None = None) -> Readiness:
    """Whether this session may proctor a quiz attempt (``quiz_attempt_id``: the one asked about, if any)."""
    if attempt is None:
        return Readiness(False, "Open the proctoring panel on this page, give your consent and pass the camera check.")
    session = attempt.session
    if not session.active:
        return Readiness(False, "Your proctoring session has ended. Reload this page to start a new one.")
    if attempt.quiz_attempt_id is not None and attempt.quiz_attempt_id != quiz_attempt_id:
        return Readiness(
            False,
            f"Your proctoring session belongs to attempt {attempt.quiz_attempt_number} of this quiz, which is still "
            "open: finish or submit that attempt first.",
        )
    if session.monitoring_started_at is None:
        return Readiness(False, "Give your consent and pass the camera check in the proctoring panel first.")
    last_frame = session.last_frame_at()
    if last_frame is None or last_frame < to_datetime(now()) - timedelta(seconds=FRAME_FRESH_S):
        return Readiness(
            False,
            f"The proctoring panel has received no camera picture in the last {FRAME_FRESH_S} seconds: keep the "
            "panel open and the camera on, then try again.",
        )
    return Readiness(True, "Proctoring is running.")


def check(link: ResourceLink, body: QuizCall) -> dict[str, Any]:
    attempt = latest_attempt(link, body.sub)
    state = readiness(attempt, body.attempt.id if body.attempt else None)
    session_id = str(attempt.session_id) if attempt is not None and attempt.session.active else None
    return {"ready": state.ready, "reason": state.reason, "session_id": session_id}


def start(link: ResourceLink, body: QuizCall) -> dict[str, Any]:
    """Bind the learner's ready session to the attempt; the same attempt again answers the same session."""
    assert body.attempt is not None
    try:
        with transaction.atomic():
            bound = _bound(link, body)
            if bound is not None:
                return {"session_id": str(bound.session_id)}
            attempt = latest_attempt(link, body.sub, lock=True)
            state = readiness(attempt, body.attempt.id)
            if not state.ready or attempt is None:
                raise NotReady(state.reason, details={"reason": state.reason})
            attempt.quiz_attempt_id = body.attempt.id
            attempt.quiz_attempt_number = body.attempt.number
            attempt.quiz_cmid = body.quiz.cmid
            attempt.quiz_name = body.quiz.name[: LearnerAttempt._meta.get_field("quiz_name").max_length]
            attempt.bound_at = to_datetime(now())
            attempt.save(
                update_fields=["quiz_attempt_id", "quiz_attempt_number", "quiz_cmid", "quiz_name", "bound_at"]
            )
            return {"session_id": str(attempt.session_id)}
    except IntegrityError:  # the same attempt was bound by a concurrent call
        bound = _bound(link, body)
        if bound is None:
            raise
        return {"session_id": str(bound.session_id)}


def _bound(link: ResourceLink, body: QuizCall) -> LearnerAttempt | None:
    """The session already bound to this quiz attempt, if any (it must be this learner's)."""
    assert body.attempt is not None
    bound = link.attempts.filter(quiz_attempt_id=body.attempt.id).first()
    if bound is not None and bound.user_id != body.sub:
        raise AttemptOfAnotherLearner("this quiz attempt is bound to another learner's session")
    return bound


def submit(link: ResourceLink, body: QuizCall, *, absolute_url: Callable[[str], str]) -> dict[str, Any]:
    """End and score the session bound to the attempt; submitting again answers the same result."""
    assert body.attempt is not None
    attempt = (
        link.attempts.filter(quiz_attempt_id=body.attempt.id, user_id=body.sub).select_related("session").first()
    )
    if attempt is None:
        raise UnknownAttempt("no proctoring session of this learner is bound to this quiz attempt")
    report = api.end_session(attempt.session)
    return {
        "session_id": str(attempt.session_id),
        "score": report.score,
        "risk_level": report.risk_level.value,
        "review_url": absolute_url(api.result_url(attempt.session)),
    }
