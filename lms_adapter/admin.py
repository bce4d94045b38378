"""Admin of the LTI adapter: activities, learner attempts, the grade outbox and retired tool keys.

Platform registrations and tool keys are edited in pylti1p3's own admin ("LTI 1.3 tools", "LTI 1.3 tool keys").
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from lms_adapter.models import GradeOutbox, LearnerAttempt, ResourceLink, RetiredToolKey
from lms_adapter.tasks import deliver_grade


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by launches and sessions: shown, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ResourceLink)
class ResourceLinkAdmin(ReadOnlyAdmin):
    list_display = ("title", "context_title", "tool", "deployment_id", "has_gradebook", "quiz_linked_at", "updated_at")
    list_filter = ("tool",)
    search_fields = ("title", "context_title", "context_id", "resource_link_id")

    @admin.display(boolean=True, description="gradebook")
    def has_gradebook(self, obj: ResourceLink) -> bool:
        return bool(obj.lineitem_url)


@admin.register(LearnerAttempt)
class LearnerAttemptAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "resource_link", "sequence", "quiz_name", "quiz_attempt_number", "session", "created_at")
    search_fields = ("user_id", "session__candidate__name", "session__candidate__email", "quiz_name")
    list_select_related = ("resource_link", "session__candidate", "session__exam")


@admin.register(GradeOutbox)
class GradeOutboxAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "score", "status", "attempts", "next_attempt_at", "short_error", "timestamp")
    list_filter = ("status",)
    search_fields = ("attempt__user_id", "attempt__session__candidate__name", "last_error")
    list_select_related = ("attempt__resource_link",)
    actions = ["send_again"]

    @admin.display(description="last error")
    def short_error(self, obj: GradeOutbox) -> str:
        return obj.last_error[:120]

    @admin.action(description="Send again now (failed or pending grades)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[GradeOutbox]) -> None:
        statuses = (GradeOutbox.Status.FAILED, GradeOutbox.Status.PENDING)
        with transaction.atomic():
            ids = list(queryset.filter(status__in=statuses).values_list("pk", flat=True))
            again = GradeOutbox.objects.filter(pk__in=ids)
            again.update(status=GradeOutbox.Status.PENDING, next_attempt_at=timezone.now())
            for pk in ids:
                transaction.on_commit(partial(deliver_grade.enqueue, pk), robust=True)
        self.message_user(request, f"{len(ids)} grade(s) queued for delivery.", messages.SUCCESS)


@admin.register(RetiredToolKey)
class RetiredToolKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "retired_at")
