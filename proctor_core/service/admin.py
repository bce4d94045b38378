"""Django admin for reviewers and operators: candidates, exams (rules validated on save), sessions, violations."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from proctor_core.errors import ConfigError
from proctor_core.service import api
from proctor_core.service.models import Candidate, Exam, ProctoringSession, ViolationRecord
from proctor_core.service.review.admin_display import penalty_table, review_link, to_second


def _evidence_tag(record: ViolationRecord):
    if record.evidence_jpeg is None:
        return "—"
    data = base64.b64encode(bytes(record.evidence_jpeg)).decode("ascii")
    return format_html('<img src="data:image/jpeg;base64,{}" alt="evidence" style="max-width:320px">', data)


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "external_id", "created_at"]
    search_fields = ["name", "email", "external_id"]


class ExamForm(forms.ModelForm):
    class Meta:
        model = Exam
        fields = ["slug", "title", "standalone", "config"]

    def clean_config(self):
        try:
            return api.validated_config(self.cleaned_data["config"] or {}).model_dump(mode="json")
        except ConfigError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    form = ExamForm
    list_display = ["slug", "title", "standalone", "updated_at"]
    list_filter = ["standalone"]
    search_fields = ["slug", "title"]


class ViolationInline(admin.TabularInline):
    model = ViolationRecord
    fields = ["code", "occurred", "notice", "detail", "evidence"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="occurred at")
    def occurred(self, record: ViolationRecord) -> str:
        return to_second(record.occurred_at)

    @admin.display(description="evidence")
    def evidence(self, record: ViolationRecord):
        return _evidence_tag(record)


@admin.register(ProctoringSession)
class ProctoringSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "candidate", "exam", "active", "started", "score", "risk_level"]
    list_filter = ["active", "risk_level", "exam"]
    search_fields = ["id", "candidate__name", "candidate__email", "exam__slug"]
    list_select_related = ["candidate", "exam"]
    readonly_fields = [
        "id", "review", "exam", "candidate", "active", "started", "ended", "expires_at", "score_and_deductions",
        "config", "engine_state", "context",
    ]
    exclude = ["token_hash", "started_at", "ended_at", "score", "risk_level", "policy", "penalties"]
    inlines = [ViolationInline]
    actions = ["end_and_score"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="started", ordering="started_at")
    def started(self, session: ProctoringSession) -> str:
        return to_second(session.started_at)

    @admin.display(description="ended")
    def ended(self, session: ProctoringSession) -> str:
        return to_second(session.ended_at)

    @admin.display(description="score and deductions")
    def score_and_deductions(self, session: ProctoringSession):
        return penalty_table(session)

    @admin.display(description="review")
    def review(self, session: ProctoringSession):
        return review_link(session)

    @admin.action(description="End and score the selected sessions")
    def end_and_score(self, request, queryset) -> None:
        for session in queryset.filter(active=True):
            api.end_session(session)
        self.message_user(request, "Ended and scored.")


@admin.register(ViolationRecord)
class ViolationRecordAdmin(admin.ModelAdmin):
    list_display = ["code", "session", "occurred", "notice", "evidence_expires_at"]
    list_filter = ["code", "notice"]
    search_fields = ["session__id", "code"]
    readonly_fields = [
        "id", "session", "code", "occurred", "captured_at", "recorded_at", "notice", "rule", "detail",
        "evidence", "evidence_expires_at",
    ]
    exclude = ["evidence_jpeg", "occurred_at"]

    @admin.display(description="occurred at", ordering="occurred_at")
    def occurred(self, record: ViolationRecord) -> str:
        return to_second(record.occurred_at)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="evidence")
    def evidence(self, record: ViolationRecord):
        return _evidence_tag(record)
