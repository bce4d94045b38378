"""Who may review what: staff reviewers (Django login) see every exam; an LMS instructor sees one activity.

Stand-alone, a reviewer is an active staff user with the ``proctor_review.review_sessions`` permission, logged in
through the admin's login page; forms carry Django's CSRF token.

Inside the LMS iframe no cookie is stored or sent, so the instructor's launch hands out a **grant**: a signed,
short-lived (:data:`GRANT_TTL_S`) token naming one exam (the activity's) and the instructor, carried in the URL
path of every reviewer page it opens. Whoever holds it can review that activity's sessions and nothing else, until
it expires; it grants no ambient authority, so the forms under it are CSRF-exempt (as the LTI message endpoints,
:mod:`lms_adapter.views.messages`, are for the same reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from proctor_core.service.models import Exam, ProctoringSession

GRANT_SALT = "proctor.review.grant"
GRANT_TTL_S = 2 * 3600
PERMISSION = "proctor_review.review_sessions"


@dataclass(frozen=True)
class Reviewer:
    """The authority of one request: who reviews, which exam (``None``: all), and the grant it came with."""

    name: str
    exam_id: int | None = None
    grant: str | None = None

    def exams(self) -> QuerySet[Exam]:
        exams = Exam.objects.all()
        return exams if self.exam_id is None else exams.filter(pk=self.exam_id)

    def sessions(self) -> QuerySet[ProctoringSession]:
        sessions = ProctoringSession.objects.select_related("exam", "candidate")
        return sessions if self.exam_id is None else sessions.filter(exam_id=self.exam_id)

    def url(self, name: str, *args: object) -> str:
        """A reviewer page's URL under the same authority (the grant's URLs for an LMS instructor)."""
        if self.grant is None:
            return reverse(f"proctor_review:{name}", args=args)
        return reverse(f"proctor_review:lti-{name}", args=(self.grant, *args))


def issue_grant(exam: Exam, instructor: str) -> str:
    """A grant for one exam's sessions, for the instructor named (shown in the audit log)."""
    return signing.dumps({"exam": exam.pk, "who": instructor[:200]}, salt=GRANT_SALT, compress=True)


def reviewer_from_grant(grant: str) -> Reviewer | None:
    """The reviewer a grant authorises, or ``None`` if it is forged, altered or expired."""
    try:
        data = signing.loads(grant, salt=GRANT_SALT, max_age=GRANT_TTL_S)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exam"), int):
        return None
    return Reviewer(name=f"{data.get('who') or 'instructor'} (LMS)", exam_id=data["exam"], grant=grant)


def reviewer_from_login(request: HttpRequest) -> Reviewer | None:
    """The logged-in staff reviewer, or ``None`` when the user may not review."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff and user.has_perm(PERMISSION)):
        return None
    return Reviewer(name=user.get_username())
