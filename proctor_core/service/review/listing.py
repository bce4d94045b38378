"""The reviewer's session list: filters (exam, band, needs review, status, dates, name), sorting and paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from proctor_core.service.models import ProctoringSession
from proctor_core.service.review.models import Adjudication
from proctor_core.types import RiskLevel

PAGE_SIZE = 25
SORTS = {
    "started": "started_at", "-started": "-started_at",
    "score": "score", "-score": "-score",
    "name": "candidate__name", "-name": "-candidate__name",
}
SORT_LABELS = {
    "-started": "newest first", "started": "oldest first", "score": "lowest score", "-score": "highest score",
    "name": "name A–Z", "-name": "name Z–A",
}
STATUSES = ("active", "ended")
NEEDS_REVIEW = "a yellow or red session that no reviewer has adjudicated yet"


class BadFilter(ValueError):
    """A filter value the list does not understand; the page says which."""


@dataclass(frozen=True)
class Listing:
    page: Page
    filters: dict[str, str]
    sort: str


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{field}: give a date as YYYY-MM-DD") from None


def needs_review() -> Q:
    """Ended, yellow or red, and not adjudicated."""
    adjudicated = Exists(Adjudication.objects.filter(session=OuterRef("pk")))
    return Q(active=False, risk_level__in=[RiskLevel.YELLOW.value, RiskLevel.RED.value]) & ~Q(adjudicated)


def list_sessions(sessions: QuerySet[ProctoringSession], params: QueryDict) -> Listing:
    """Filter, sort and page ``sessions`` by the query string.

    :raises BadFilter: an unknown band, status or sort, a malformed date, or a page that is not a number.
    """
    filters = {key: params.get(key, "").strip() for key in ("exam", "band", "review", "status", "from", "to", "q")}
    if filters["exam"]:
        sessions = sessions.filter(exam__slug=filters["exam"])
    if filters["band"]:
        if filters["band"] not in RiskLevel._value2member_map_:
            raise BadFilter(f"band: one of {', '.join(r.value for r in RiskLevel)}")
        sessions = sessions.filter(risk_level=filters["band"])
    if filters["review"]:
        if filters["review"] != "1":
            raise BadFilter("review: 1 for sessions that need review")
        sessions = sessions.filter(needs_review())
    if filters["status"]:
        if filters["status"] not in STATUSES:
            raise BadFilter(f"status: one of {', '.join(STATUSES)}")
        sessions = sessions.filter(active=filters["status"] == "active")
    if (since := _date(filters["from"], "from")) is not None:
        sessions = sessions.filter(started_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
    if (until := _date(filters["to"], "to")) is not None:
        sessions = sessions.filter(started_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    if filters["q"]:
        text = filters["q"][:200]
        sessions = sessions.filter(Q(candidate__name__icontains=text) | Q(candidate__email__icontains=text))
    sort = params.get("sort", "-started")
    if sort not in SORTS:
        raise BadFilter(f"sort: one of {', '.join(SORTS)}")
    sessions = sessions.order_by(SORTS[sort], "-started_at", "pk")
    number = params.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        raise BadFilter("page: a positive number")
    paginator = Paginator(sessions, PAGE_SIZE)
    page = paginator.page(min(int(number), paginator.num_pages))
    return Listing(page=page, filters=filters, sort=sort)
