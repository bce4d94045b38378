"""Admin of the adjudication audit log: read-only, for operators."""

from django.contrib import admin

from proctor_core.service.review.admin_display import to_second
from proctor_core.service.review.models import Adjudication


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["when", "reviewer", "decision", "violation", "session", "score_before", "score_after"]
    list_filter = ["decision"]
    search_fields = ["reviewer", "reason", "session__id"]
    readonly_fields = ["session", "violation", "decision", "reason", "reviewer", "when", "score_before", "score_after"]
    exclude = ["created_at"]

    @admin.display(description="when", ordering="created_at")
    def when(self, row: Adjudication) -> str:
        return to_second(row.created_at)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
