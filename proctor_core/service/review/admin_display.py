"""Readable admin fields for sessions and violations: penalty tables instead of JSON, times to the second."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from proctor_core.service.models import ProctoringSession


def to_second(value: datetime | None) -> str:
    """``2026-11-29 23:51:07 UTC``; ``—`` for no time."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def penalty_table(session: ProctoringSession) -> SafeString | str:
    """The score, band and each deduction (code, points, rule, why) as an HTML table."""
    if session.active:
        return "running: no score yet"
    rows = format_html_join(
        "", "<tr><td>{}</td><td>−{}</td><td>{}</td><td>{}</td></tr>",
        ((row.get("code", ""), f"{row.get('points', 0):g}", row.get("rule", ""), row.get("reason", ""))
         for row in session.penalties),
    )
    return format_html(
        "<p><strong>{}</strong> / 100 ({}), policy {}</p><table><thead><tr><th>Violation</th><th>Points</th>"
        "<th>Rule</th><th>Why</th></tr></thead><tbody>{}</tbody></table>",
        f"{session.score:g}",
        session.risk_level,
        session.policy,
        rows or format_html('<tr><td colspan="4">none</td></tr>'),
    )


def review_link(session: ProctoringSession) -> SafeString:
    return format_html('<a href="{}">Open in the reviewer area</a>',
                       reverse("proctor_review:session", args=[session.pk]))
