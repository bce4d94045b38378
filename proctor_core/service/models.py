"""Persistence of the service: candidates, exams, proctoring sessions, their violations and retry receipts.

The core never sees these models. A row maps itself to a core object where one row is enough
(:meth:`ViolationRecord.to_violation`); :mod:`proctor_core.service.api` builds the core's session info and stored
score report from a session, and :mod:`proctor_core.service.recording` turns the engine's violations into rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.db import models
from django.db.models import Q

from proctor_core.config import ExamConfig
from proctor_core.types import ObservationKind, RiskLevel, Violation, ViolationRule


def to_datetime(timestamp: float) -> datetime:
    """POSIX seconds, as the core counts time, to an aware datetime."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


class Candidate(models.Model):
    """A person being proctored: typed on the start page, or known to an LMS by ``external_id``."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    external_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="Identity in an LMS (issuer and subject); empty for stand-alone candidates",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="proctor_candidate_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class Exam(models.Model):
    """A proctored exam and its rules (an :class:`~proctor_core.config.ExamConfig`, stored as JSON)."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    config = models.JSONField(default=dict, help_text="Exam configuration: detectors, rules, points, policy, evidence")
    standalone = models.BooleanField(
        default=False, help_text="Offered on the start page and to POST /api/v1/sessions (LMS exams are not)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def exam_config(self) -> ExamConfig:
        return ExamConfig.model_validate(self.config)


class ProctoringSession(models.Model):
    """One candidate sitting one exam: the engine's state while active, the score once ended.

    ``config`` is the exam's configuration as it was when the session opened, so later edits of the exam do not
    change a running session. The session token is stored only as its SHA-256.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="sessions")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(help_text="The session token is refused after this time")
    active = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    monitoring_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the candidate consented and passed the device check (the widget said so)"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=dict)
    engine_state = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Raised by every save of engine_state: an observation's write checks it"
    )
    context = models.JSONField(default=dict, blank=True, help_text="String pairs passed to plugins (e.g. LTI ids)")
    score = models.FloatField(null=True, blank=True)
    risk_level = models.CharField(max_length=10, choices=[(r.value, r.value) for r in RiskLevel], blank=True)
    policy = models.CharField(max_length=100, blank=True)
    penalties = models.JSONField(default=list, blank=True)
    coverage = models.JSONField(
        null=True, blank=True, help_text="How much of the session a working camera and microphone watched"
    )
    review_reasons = models.JSONField(
        default=list, blank=True, help_text="Why a reviewer should look at this session, in words (e.g. poor coverage)"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["exam", "started_at"])]

    def __str__(self) -> str:
        return f"{self.candidate} / {self.exam.slug} / {self.started_at:%Y-%m-%d %H:%M}"

    def exam_config(self) -> ExamConfig:
        return ExamConfig.model_validate(self.config)

    def last_frame_at(self) -> datetime | None:
        """When the last camera frame was judged (from the engine's state: no query, nothing stored per frame)."""
        stream = self.engine_state.get("streams", {}).get(ObservationKind.FRAME.value)
        return to_datetime(float(stream["last_at"])) if stream else None


class ViolationRecord(models.Model):
    """A violation or notice the engine recorded; ``id`` is the core's violation id.

    ``occurred_at`` is the time it was judged at (the client's capture time, bounded by the engine),
    ``captured_at`` the client's own clock for the observation. ``evidence_jpeg`` is the frame that caused a frame
    violation, kept only when the exam keeps evidence, and deleted after ``evidence_expires_at``.
    """

    id = models.CharField(max_length=32, primary_key=True, editable=False)
    session = models.ForeignKey(ProctoringSession, on_delete=models.CASCADE, related_name="violations")
    code = models.CharField(max_length=63, db_index=True)
    occurred_at = models.DateTimeField()
    captured_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    notice = models.BooleanField(default=False)
    rule = models.JSONField(default=dict)
    detail = models.JSONField(default=dict, blank=True)
    evidence_jpeg = models.BinaryField(null=True, blank=True, editable=False)
    evidence_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.code} at {self.occurred_at:%H:%M:%S}"

    def to_violation(self) -> Violation:
        return Violation(
            id=self.id,
            code=self.code,
            at=self.occurred_at.timestamp(),
            rule=ViolationRule.from_json(self.rule),
            detail=self.detail,
            notice=self.notice,
        )


class ObservationReceipt(models.Model):
    """The answer given to an observation with a ``seq``, so that a retry gets the same answer and logs nothing.

    Kept while the session is active; deleted when it ends.
    """

    session = models.ForeignKey(ProctoringSession, on_delete=models.CASCADE, related_name="receipts")
    stream = models.CharField(max_length=10, choices=[(k.value, k.value) for k in ObservationKind])
    seq = models.BigIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "stream", "seq"], name="proctor_receipt_once_per_seq")
        ]


