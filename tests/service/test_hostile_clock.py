"""Through the API: a client that sends captured_at = 1e10 once cannot freeze its session's clock."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest


def sitting(opened, clock, *, poison: float | None) -> Counter:
    """One minute: audio every second (silent from the 3rd), 14 tab switches; optionally one poisoned event first."""
    start = clock.now
    clock.now = start + 1
    if poison is not None:
        answer = opened.post("/audio", {"is_silent": False, "captured_at": poison})
        assert answer.status_code == 200, answer.content
    events = [(t + 0.5, "/audio", {"is_silent": t >= 3}) for t in range(1, 61)]
    for k in range(14):
        events += [(3.2 + 4 * k, "/events", {"type": "tab_hidden"}), (4.7 + 4 * k, "/events", {"type": "tab_visible"})]
    for offset, path, body in sorted(events, key=lambda event: event[0]):
        clock.now = start + offset
        answer = opened.post(path, {**body, "captured_at": clock.now - 0.05})
        assert answer.status_code == 200, answer.content
    return Counter(opened.get().json()["counts"])


@pytest.mark.parametrize("poison", [None, 1e10, 1.0], ids=["control", "year-2286", "epoch"])
def test_one_poisoned_captured_at_then_normal_traffic(opened, clock, poison) -> None:
    start = clock.now
    counts = sitting(opened, clock, poison=poison)
    assert counts["tab_switch"] == 14
    assert counts["silence"] == 10
    for violation in opened.get("/violations").json()["violations"]:
        at = datetime.fromisoformat(violation["at"]).timestamp()
        assert start + 1 <= at <= start + 61, "judged within the sitting, never at the poisoned time"
