"""What the LTI adapter stores beside pylti1p3's registrations (``LtiTool``) and tool keys (``LtiToolKey``).

Those two are pylti1p3's own models, re-exported here: the rest of the project never imports pylti1p3.

- :class:`ResourceLink`: a proctored activity in a course, bound to its exam and its gradebook line item.
- :class:`LearnerAttempt`: a learner's proctoring session for that activity (one per quiz attempt when quiz-linked).
- :class:`GradeOutbox`: a score on its way to the gradebook (durable; see docs/decisions/0003-grade-outbox.md).
- :class:`RetiredToolKey`: a tool key replaced by a newer one, still published until it is pruned.
- :class:`LaunchValue`: login state, nonce and launch data between a platform's login and its launch.
- :class:`UsedCallId`: the ``jti`` of a platform's signed call, kept until the call expires so it is never replayed.
"""

from __future__ import annotations

from django.db import models
from pylti1p3.contrib.django.lti1p3_tool_config.models import LtiTool, LtiToolKey

__all__ = [
    "GradeOutbox",
    "LaunchValue",
    "LearnerAttempt",
    "LtiTool",
    "LtiToolKey",
    "ResourceLink",
    "RetiredToolKey",
    "UsedCallId",
]


class ResourceLink(models.Model):
    """A proctored activity: one LTI resource link of one deployment, with its exam and gradebook line item."""

    tool = models.ForeignKey(LtiTool, on_delete=models.PROTECT, related_name="resource_links")
    deployment_id = models.CharField(max_length=255)
    resource_link_id = models.CharField(max_length=255)
    exam = models.OneToOneField("proctor.Exam", on_delete=models.PROTECT, related_name="lti_resource_link")
    title = models.CharField(max_length=255, blank=True)
    context_id = models.CharField(max_length=255, blank=True, help_text="The course, as the platform names it")
    context_title = models.CharField(max_length=255, blank=True)
    lineitem_url = models.CharField(
        max_length=1024, blank=True, help_text="AGS line item of this activity; empty if the platform accepts no grade"
    )
    ags_scopes = models.JSONField(default=list, blank=True, help_text="AGS scopes the platform granted")
    quiz_linked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="First signed quiz call for this activity: from then on, each quiz attempt gets its own session",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "deployment_id", "resource_link_id"], name="lti_resource_link_once_per_deployment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.context_title or self.context_id} / {self.title or self.resource_link_id}"


class LearnerAttempt(models.Model):
    """A learner's proctoring session for an activity.

    A plain activity has one per learner (``sequence`` 1), which every launch resumes. A quiz-linked activity gets a
    new one (the next ``sequence``) at the first launch after the learner's latest session ended; the quiz's
    signed ``start`` call binds it to one quiz attempt.
    """

    resource_link = models.ForeignKey(ResourceLink, on_delete=models.PROTECT, related_name="attempts")
    user_id = models.CharField(max_length=255, help_text="The learner's LTI subject (sub), the AGS userId")
    sequence = models.PositiveIntegerField(default=1, help_text="1 for the learner's first session here, then 2...")
    session = models.OneToOneField("proctor.ProctoringSession", on_delete=models.PROTECT, related_name="lti_attempt")
    quiz_cmid = models.BigIntegerField(null=True, blank=True, help_text="The quiz (course module id) it proctors")
    quiz_name = models.CharField(max_length=255, blank=True)
    quiz_attempt_id = models.BigIntegerField(null=True, blank=True, help_text="The quiz attempt it is bound to")
    quiz_attempt_number = models.PositiveIntegerField(null=True, blank=True, help_text="1 for the first attempt...")
    bound_at = models.DateTimeField(null=True, blank=True, help_text="When the quiz attempt started")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_link", "user_id", "sequence"], name="lti_attempt_once_per_learner_sequence"
            ),
            models.UniqueConstraint(
                fields=["resource_link", "quiz_attempt_id"],
                condition=models.Q(quiz_attempt_id__isnull=False),
                name="lti_attempt_once_per_quiz_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.resource_link}"


class GradeOutbox(models.Model):
    """One result of an attempt, to be posted to the platform's gradebook until it is accepted.

    Rows are written in the transaction that saved the score and are never deleted. ``timestamp`` is the AGS
    timestamp of this result, strictly increasing per attempt (whole seconds), so a newer result always replaces
    an older one at the platform and a stale one can never overwrite it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed (refused by the platform)"
        SUPERSEDED = "superseded", "superseded (a newer result replaced it before delivery)"

    attempt = models.ForeignKey(LearnerAttempt, on_delete=models.PROTECT, related_name="grades")
    score = models.FloatField(help_text="Integrity score 0-100; scaled to the line item's maximum when sent")
    risk_level = models.CharField(max_length=10)
    comment = models.TextField(help_text="Gradebook feedback: the score and its deductions")
    activity_progress = models.CharField(max_length=20, default="Completed")
    grading_progress = models.CharField(max_length=20, default="FullyGraded")
    timestamp = models.DateTimeField(help_text="AGS timestamp of this result")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Delivery attempts so far")
    next_attempt_at = models.DateTimeField(help_text="Pending: not sent before this time")
    last_error = models.TextField(blank=True)
    sent = models.JSONField(null=True, blank=True, help_text="The score body last posted to the platform")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "grade in the outbox"
        verbose_name_plural = "grade outbox"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="lti_outbox_due")]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "timestamp"], name="lti_outbox_one_result_per_timestamp")
        ]

    def __str__(self) -> str:
        return f"{self.score:g} for {self.attempt} ({self.status})"


class RetiredToolKey(models.Model):
    """A tool key no registration signs with any more; published in the JWKS until pruned."""

    key = models.OneToOneField(LtiToolKey, on_delete=models.CASCADE, primary_key=True, related_name="retirement")
    retired_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key.name} (retired {self.retired_at:%Y-%m-%d})"


class LaunchValue(models.Model):
    """A short-lived value of the tool: what pylti1p3 keeps between login and launch (state, nonce, launch data, a
    platform's key set), and the claim of a Dynamic Registration link, which makes the link single-use.

    Its own table, with no entry cap: every pending login of a class that starts together is kept until it expires
    (see :mod:`lms_adapter.storage`).
    """

    key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField(help_text="JSON")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class UsedCallId(models.Model):
    """A signed call's ``jti``, remembered until the call expires: a replayed call is refused."""

    issuer = models.CharField(max_length=255)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "jti"], name="lti_call_id_once_per_issuer")]

    def __str__(self) -> str:
        return f"{self.jti} from {self.issuer}"
