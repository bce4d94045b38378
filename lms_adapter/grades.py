"""Grade passback (LTI AGS) through a durable outbox.

:func:`record` writes a :class:`~lms_adapter.models.GradeOutbox` row in the transaction that saved the score.
:func:`deliver` claims one due row with a conditional update (so two workers never post it together), posts the
score, and records the outcome: delivered; failed, when the platform refuses the score itself (e.g. Moodle's
400 for a user who cannot be graded); or pending again with exponential back-off for anything else (platform down,
token refused, time-outs). docs/decisions/0003-grade-outbox.md explains the choices.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.db.models import F
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from lms_adapter.conf import lti_setting
from lms_adapter.models import GradeOutbox, LearnerAttempt
from lms_adapter.tool import HttpSession, tool_conf
from proctor_core.service import api
from proctor_core.service.engines import now
from proctor_core.service.models import to_datetime
from proctor_core.types import RiskLevel, ScoreReport

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
DEFAULT_SCORE_MAXIMUM = 100.0
LEASE = timedelta(minutes=5)
"""A claimed row is not claimed again before this; longer than the three requests of one delivery can take."""
RETRY_STATUSES = frozenset({401, 408, 425, 429})
"""4xx answers that say "later", not "never"; every 5xx is retried as well."""
ALREADY_CURRENT = 409
"""Moodle: the gradebook holds a score with this or a newer timestamp (e.g. an earlier try did arrive)."""
COMMENT_LIMIT = 1000

Status = GradeOutbox.Status


class GradeRefused(Exception):
    """The platform refused this score; sending it again cannot succeed."""


class AlreadyCurrent(Exception):
    """The platform already holds this result or a newer one."""


class RetryLater(Exception):
    """The score could not be delivered now."""


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_at: datetime | None = None


# -- recording -----------------------------------------------------------------------------------------------------


def summarise(report: ScoreReport) -> str:
    """Gradebook feedback: the score, its band, the deductions by violation code, the coverage and review reasons."""
    counts: dict[str, int] = defaultdict(int)
    points: dict[str, float] = defaultdict(float)
    for penalty in report.penalties:
        counts[penalty.code] += 1
        points[penalty.code] += penalty.points
    text = f"Integrity score {report.score:g}/100 ({report.risk_level.value})."
    deductions = [f"{counts[code]} × {code.replace('_', ' ')} (−{points[code]:g})" for code in counts if points[code]]
    text += f" Deductions: {'; '.join(deductions)}." if deductions else " No deductions."
    if report.coverage is not None:
        text += f" Coverage: {report.coverage.summary()}."
    if report.review_reasons:
        text += f" Needs review: {' '.join(report.review_reasons)}"
    return text if len(text) <= COMMENT_LIMIT else text[: COMMENT_LIMIT - 1] + "…"


def grading_progress(report: ScoreReport) -> str:
    """FullyGraded; PendingManual for a red band only where ``PENDING_MANUAL_FOR_RED`` is set."""
    if lti_setting("PENDING_MANUAL_FOR_RED") and report.risk_level is RiskLevel.RED:
        return "PendingManual"
    return "FullyGraded"


def gradable(attempt: LearnerAttempt) -> bool:
    """Whether the session's result goes to the gradebook: always for a plain activity; for a quiz-linked one only
    when it proctored a quiz attempt. A session that ended before any attempt started (a pre-flight form left, then
    ended by the idle sweep) would otherwise replace the integrity grade of the learner's real attempt."""
    return attempt.quiz_attempt_id is not None or attempt.resource_link.quiz_linked_at is None


def record(attempt: LearnerAttempt, report: ScoreReport) -> GradeOutbox | None:
    """Queue a result of ``attempt`` for its gradebook, in the caller's transaction.

    Nothing is queued when the latest result is the same (a hook called twice sends once), or when the session
    is not :func:`gradable`. A new result gets a timestamp at least one second after the previous one (Moodle
    compares whole seconds and answers 409 to a timestamp that is not newer), and replaces any earlier result
    still waiting.
    """
    if not gradable(attempt):
        return None
    comment, grading = summarise(report), grading_progress(report)
    latest = attempt.grades.order_by("-timestamp").first()
    if latest and (latest.score, latest.comment, latest.grading_progress) == (report.score, comment, grading):
        return None
    at = _now().replace(microsecond=0)
    timestamp = max(at, latest.timestamp + timedelta(seconds=1)) if latest else at
    attempt.grades.filter(status=Status.PENDING).update(status=Status.SUPERSEDED)
    return GradeOutbox.objects.create(
        attempt=attempt,
        score=report.score,
        risk_level=report.risk_level.value,
        comment=comment,
        grading_progress=grading,
        timestamp=timestamp,
        next_attempt_at=at,
    )


def record_missing() -> list[GradeOutbox]:
    """Queue the results of ended attempts that have none queued (e.g. the hook failed, and logged why)."""
    missing = (
        LearnerAttempt.objects.filter(session__active=False, session__score__isnull=False, grades__isnull=True)
        .exclude(resource_link__quiz_linked_at__isnull=False, quiz_attempt_id__isnull=True)
        .select_related("session", "resource_link")
    )
    return [row for attempt in missing if (row := record(attempt, api.stored_report(attempt.session)))]


# -- delivery ------------------------------------------------------------------------------------------------------


def _now() -> datetime:
    """The service clock's time (:func:`proctor_core.service.engines.now`): one clock, pinned by the tests."""
    return to_datetime(now())


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones: base, doubling, capped."""
    base, cap = lti_setting("GRADE_RETRY_BASE_S"), lti_setting("GRADE_RETRY_MAX_S")
    return timedelta(seconds=min(cap, base * 2 ** min(attempts - 1, 30)))


def due_ids(limit: int = 100) -> list[int]:
    """Rows whose next delivery time has come, oldest first."""
    due = GradeOutbox.objects.filter(status=Status.PENDING, next_attempt_at__lte=_now())
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def deliver(outbox_id: int) -> Outcome | None:
    """Try to deliver one row; ``None`` when it is not due, no longer pending, or another worker holds it."""
    at = _now()
    claimed = GradeOutbox.objects.filter(pk=outbox_id, status=Status.PENDING, next_attempt_at__lte=at).update(
        next_attempt_at=at + LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    row = GradeOutbox.objects.select_related("attempt__resource_link__tool").get(pk=outbox_id)
    mine = GradeOutbox.objects.filter(pk=row.pk, attempts=row.attempts)
    try:
        sent = post_score(row)
    except GradeRefused as exc:
        mine.update(status=Status.FAILED, last_error=str(exc))
        return Outcome(Status.FAILED)  # type: ignore[arg-type]  # TextChoices member, untyped without django-stubs
    except AlreadyCurrent as exc:
        mine.update(status=Status.DELIVERED, delivered_at=_now(), last_error=str(exc))
        return Outcome(Status.DELIVERED)  # type: ignore[arg-type]  # TextChoices member, untyped without django-stubs
    except Exception as exc:  # noqa: BLE001 - anything else is worth another try, and is shown in the admin
        log.warning("grade %s not delivered (try %s): %s", row.pk, row.attempts, exc)
        retry_at = _now() + backoff(row.attempts)
        mine.filter(status=Status.PENDING).update(next_attempt_at=retry_at, last_error=_describe(exc))
        return Outcome(Status.PENDING, retry_at)  # type: ignore[arg-type]  # TextChoices member, untyped without django-stubs
    mine.update(status=Status.DELIVERED, delivered_at=_now(), last_error="", sent=sent)
    return Outcome(Status.DELIVERED)  # type: ignore[arg-type]  # TextChoices member, untyped without django-stubs


def post_score(row: GradeOutbox) -> dict:
    """Post the row's score to its line item; return the body sent.

    :raises GradeRefused: no line item, or the platform refused the score.
    :raises AlreadyCurrent: the platform holds a score at least this new.
    :raises RetryLater: the platform is unreachable, refused the tool's token, or asked to come back.
    """
    link = row.attempt.resource_link
    if not link.lineitem_url or SCORE_SCOPE not in link.ags_scopes:
        raise GradeRefused(
            "the platform gave this activity no gradebook line item with the score scope: enable grading for the "
            "activity, launch it once, then send the grade again from this admin page"
        )
    registration = tool_conf().find_registration_by_params(link.tool.issuer, link.tool.client_id)
    connector = ServiceConnector(registration, HttpSession())
    try:
        connector.get_access_token(link.ags_scopes)
    except LtiServiceException as exc:
        raise RetryLater(f"the platform's token endpoint refused the tool: {_describe(exc)}") from exc
    ags = AssignmentsGradesService(connector, {"scope": link.ags_scopes, "lineitem": link.lineitem_url})
    try:
        grade = _grade(row, _score_maximum(ags))
    except LtiServiceException as exc:
        raise _classify(exc) from exc
    try:
        ags.put_grade(grade)
    except LtiServiceException as exc:
        raise _classify(exc) from exc
    except requests.JSONDecodeError:
        pass  # a 2xx answer whose body is not JSON: accepted (an error status raises before the body is read)
    return json.loads(grade.get_value())


def _grade(row: GradeOutbox, maximum: float) -> Grade:
    """The AGS score of a row: the 0-100 integrity score scaled to the line item's maximum."""
    return (
        Grade()
        .set_score_given(round(row.score * maximum / 100, 2))
        .set_score_maximum(maximum)
        .set_activity_progress(row.activity_progress)
        .set_grading_progress(row.grading_progress)
        .set_timestamp(row.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"))
        .set_user_id(row.attempt.user_id)
        .set_comment(row.comment)
    )


def _score_maximum(ags: AssignmentsGradesService) -> float:
    """The line item's scoreMaximum (the instructor may have changed it), or 100 if the tool may not read it."""
    if not ags.can_read_lineitem():
        return DEFAULT_SCORE_MAXIMUM
    return float(ags.get_lineitem().get_score_maximum() or DEFAULT_SCORE_MAXIMUM)


def _classify(exc: LtiServiceException) -> Exception:
    status = exc.response.status_code
    if status == ALREADY_CURRENT:
        return AlreadyCurrent(f"the platform already holds this result or a newer one: {_describe(exc)}")
    if status in RETRY_STATUSES or status >= 500:
        return RetryLater(_describe(exc))
    return GradeRefused(f"the platform refused the score: {_describe(exc)}")


def _describe(exc: Exception) -> str:
    if isinstance(exc, LtiServiceException):
        response = exc.response
        return f"HTTP {response.status_code} from {response.url}: {response.text[:500]}"
    return f"{type(exc).__name__}: {exc}"[:1000]
