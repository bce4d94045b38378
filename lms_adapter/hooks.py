"""The adapter's plugin hooks: a scored LTI session queues its grade (registered by the service's settings)."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from lms_adapter import grades
from lms_adapter.models import LearnerAttempt
from lms_adapter.tasks import deliver_grade
from proctor_core import hookimpl
from proctor_core.types import ScoreReport, SessionInfo


@hookimpl
def proctor_session_scored(report: ScoreReport, session: SessionInfo) -> None:
    """Queue the score for the gradebook, in the transaction that saved it; delivery starts after the commit.

    A savepoint keeps a failure here from spoiling the service's transaction; ``proctor deliver_grades`` then
    queues the result it missed. Sessions not opened by an LTI launch have no gradebook.
    """
    attempt = LearnerAttempt.objects.select_related("resource_link").filter(session_id=session.id).first()
    if attempt is None:
        return
    with transaction.atomic():
        row = grades.record(attempt, report)
    if row is not None:
        transaction.on_commit(partial(deliver_grade.enqueue, row.pk), robust=True)
