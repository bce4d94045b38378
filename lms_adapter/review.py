"""The instructor's review of an activity: each session (with its quiz attempt, when bound), score, band,
deductions, violations, grade and a link to its result page."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse

from lms_adapter.models import ResourceLink
from proctor_core.service import api
from proctor_core.service.models import ViolationRecord
from proctor_core.service.review.access import issue_grant


def review_context(resource_link: ResourceLink, instructor: str = "") -> dict[str, Any]:
    """Template context of ``lms_adapter/review.html``; ``workspace`` is the reviewer area, granted by this launch."""
    attempts = list(
        resource_link.attempts.select_related("session__candidate")
        .prefetch_related(
            Prefetch("session__violations", queryset=ViolationRecord.objects.defer("evidence_jpeg")),
            "grades",
        )
        .order_by("-created_at", "-pk")
    )
    for attempt in attempts:
        attempt.result_url = api.result_url(attempt.session)
    bands = Counter(attempt.session.risk_level for attempt in attempts if not attempt.session.active)
    return {
        "resource_link": resource_link,
        "workspace": reverse("proctor_review:lti-list", args=[issue_grant(resource_link.exam, instructor)]),
        "config": resource_link.exam.exam_config(),
        "attempts": attempts,
        "active": sum(attempt.session.active for attempt in attempts),
        "quiz_linked": resource_link.quiz_linked_at is not None,
        "bands": [(band, bands[band]) for band in ("green", "yellow", "red")],
    }
