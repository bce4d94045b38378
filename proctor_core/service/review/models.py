"""The adjudication audit log: who confirmed or dismissed which violation, when and why, and what it did to the score.

A violation's current decision is its latest row; nothing here is ever updated or deleted except with its session
(retention, erasure).
"""

from __future__ import annotations

from django.db import models

from proctor_core.service.models import ProctoringSession, ViolationRecord


class Adjudication(models.Model):
    """One reviewer decision on one violation."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed"
        DISMISSED = "dismissed", "dismissed"

    session = models.ForeignKey(ProctoringSession, on_delete=models.CASCADE, related_name="adjudications")
    violation = models.ForeignKey(ViolationRecord, on_delete=models.CASCADE, related_name="adjudications")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    reviewer = models.CharField(max_length=300, help_text="The reviewer's user name, or the LMS instructor")
    created_at = models.DateTimeField()
    score_before = models.FloatField(null=True)
    score_after = models.FloatField(null=True)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("review_sessions", "Can review sessions, adjudicate violations and export results")]

    def __str__(self) -> str:
        return f"{self.violation.code} {self.decision} by {self.reviewer}"
