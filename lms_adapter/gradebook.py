"""What the gradebook shows for a learner's attempt, for the reviewer's session page.

"Delivered" only says the platform accepted the tool's score. A teacher can override it in the gradebook, and the
override wins there; so a delivered grade is read back through AGS results (when the platform granted the
``result.readonly`` scope) and compared with what was sent. Without that scope the page says it cannot check.
"""

from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from lms_adapter.grades import Status
from lms_adapter.models import LearnerAttempt
from lms_adapter.tool import HttpSession, tool_conf

RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"


@dataclass(frozen=True)
class GradebookStatus:
    """``state``: not_queued, pending, failed, delivered, matches, overridden, missing or unchecked."""

    state: str
    text: str


def grade_status(session_id: object) -> GradebookStatus | None:
    """The gradebook status of the session's attempt, or ``None`` for a session that no LTI launch opened."""
    attempt = LearnerAttempt.objects.select_related("resource_link__tool").filter(session_id=session_id).first()
    if attempt is None:
        return None
    latest = attempt.grades.order_by("-timestamp", "-pk").first()
    if latest is None:
        return GradebookStatus("not_queued", "No grade has been queued for the gradebook yet.")
    if latest.status == Status.PENDING:
        return GradebookStatus("pending", f"Score {latest.score:g} is waiting to be sent to the gradebook.")
    if latest.status != Status.DELIVERED:
        return GradebookStatus("failed", f"Score {latest.score:g} was not accepted: {latest.last_error}")
    link = attempt.resource_link
    if RESULT_SCOPE not in link.ags_scopes or not link.lineitem_url:
        return GradebookStatus(
            "unchecked",
            f"Score {latest.score:g} was delivered; the platform does not let the tool read grades back, so a "
            "teacher's override in the gradebook cannot be checked here.",
        )
    sent = (latest.sent or {}).get("scoreGiven")
    try:
        shown = _result_of(attempt)
    except Exception as exc:  # noqa: BLE001 - any failure to read back is reported, never raised into the page
        return GradebookStatus("unchecked", f"Score {latest.score:g} was delivered; the gradebook could not be "
                                            f"read back now ({type(exc).__name__}).")
    if shown is None:
        return GradebookStatus("missing", f"Score {latest.score:g} was delivered, but the gradebook shows no grade.")
    if sent is not None and abs(float(shown) - float(sent)) > 0.005:
        return GradebookStatus(
            "overridden",
            f"The gradebook shows {float(shown):g}, not the {float(sent):g} the tool sent: a teacher's override "
            "wins there.",
        )
    return GradebookStatus("matches", f"Delivered: the gradebook shows {float(shown):g}.")


def _result_of(attempt: LearnerAttempt) -> float | None:
    link = attempt.resource_link
    registration = tool_conf().find_registration_by_params(link.tool.issuer, link.tool.client_id)
    ags = AssignmentsGradesService(ServiceConnector(registration, HttpSession()),
                                   {"scope": link.ags_scopes, "lineitem": link.lineitem_url})
    for result in ags.get_grades(LineItem({"id": link.lineitem_url})):
        if str(result.get("userId")) == attempt.user_id:
            score = result.get("resultScore")
            return None if score is None else float(score)
    return None
