"""Background delivery of grades (django-tasks; the service runs the database backend's worker).

The task is only the fast path: the outbox row is the durable record, and ``proctor deliver_grades`` sends whatever
is due if a task was lost or the backend cannot schedule a retry for later.
"""

from __future__ import annotations

from django_tasks import task

from lms_adapter import grades


@task()
def deliver_grade(outbox_id: int) -> str | None:
    """Deliver one outbox row; after a failure that is worth retrying, schedule the next try."""
    outcome = grades.deliver(outbox_id)
    if outcome is None:
        return None
    if outcome.retry_at is not None and deliver_grade.get_backend().supports_defer:
        deliver_grade.using(run_after=outcome.retry_at).enqueue(outbox_id)
    return outcome.status
