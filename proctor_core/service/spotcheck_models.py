"""Persistence of on-device analysis spot-checks: the verdicts the service asked to see the picture of.

Only the verdicts chosen for a check are stored (about one in a hundred, and every one that caused a violation);
each keeps the hash the widget committed to, what the widget said, and the outcome once the picture arrives.
"""

from __future__ import annotations

from django.db import models


class VerdictCheck(models.Model):
    """One verdict the service asked to see: ``sha256`` is the widget's commitment to the frame's JPEG."""

    REQUESTED, AGREED, DISAGREED = "requested", "agreed", "disagreed"
    HASH_MISMATCH, MISSING = "hash_mismatch", "missing"
    STATUSES = [(s, s) for s in (REQUESTED, AGREED, DISAGREED, HASH_MISMATCH, MISSING)]

    session = models.ForeignKey("proctor.ProctoringSession", on_delete=models.CASCADE, related_name="verdict_checks")
    seq = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    verdict = models.JSONField(help_text="Faces and quality as the widget reported them")
    violation_ids = models.JSONField(default=list, help_text="Violations this verdict caused (evidence goes there)")
    status = models.CharField(max_length=16, choices=STATUSES, default=REQUESTED)
    server_faces = models.IntegerField(null=True, blank=True, help_text="Faces the service found in the picture")
    requested_at = models.DateTimeField(help_text="Service time the picture was asked for")
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "proctor"
        ordering = ["requested_at", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="proctor_verdict_check_once_per_seq")]

    def __str__(self) -> str:
        return f"verdict #{self.seq}: {self.status}"
