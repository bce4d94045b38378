"""The gradebook line of the session page: delegated to the LTI adapter, the only part that speaks AGS."""

from __future__ import annotations

from django.apps import apps

from proctor_core.service.models import ProctoringSession


def gradebook_status(session: ProctoringSession) -> object | None:
    """The adapter's ``GradebookStatus`` of an LTI session; ``None`` in stand-alone mode."""
    if not apps.is_installed("lms_adapter"):
        return None
    from lms_adapter.gradebook import grade_status  # noqa: PLC0415 - the adapter is optional

    return grade_status(session.pk)
