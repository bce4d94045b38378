"""The receipt the widget shows at the end and the result page are one design, in plain words: the same rows in the
same columns, a total, notices listed as notices, the coverage line and a way on; times in the reader's time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from widget_harness import start_monitoring, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser

ZONE = "Asia/Tokyo"  # UTC+9: a time shown in UTC by mistake cannot pass for it


def drawn(receipt) -> dict:
    """Everything a candidate reads on a receipt, as text."""
    return {
        "headings": receipt.locator("thead th").all_inner_texts(),
        "rows": [row.locator("td").all_inner_texts() for row in receipt.locator("tbody tr").all()],
        "total": receipt.locator("[data-pw=total]").inner_text(),
        "notices": receipt.locator("[data-pw=notices] li").all_inner_texts(),
        "score": receipt.locator("[data-pw=score]").inner_text(),
        "band": receipt.locator("[data-pw=band]").inner_text(),
        "coverage": receipt.locator("[data-pw=coverage]").inner_text(),
        "zone": receipt.locator("[data-pw=zone]").inner_text(),
    }


def local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(ZONE)).strftime("%H:%M:%S")


def test_the_widgets_receipt_and_the_result_page_are_one_design(browsers, open_page, service, screenshots):
    chromium = browsers("face", "speech")
    page = open_page(chromium)
    page.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)
    page.reload()  # a notice: the page was reopened and the session resumed
    page.locator("[data-pw=monitor]").wait_for(timeout=20000)
    wait_for(lambda: candidate.face_status() == "ok", 15, "frames after the reload", page=page)
    switch_tab_away_and_back(candidate, chromium, away_s=1)
    wait_for(lambda: candidate.recorded().get("tab_switch"), 10, "tab_switch in the widget's list", page=page)
    page.get_by_role("button", name="End monitoring").click()
    receipt = page.locator("[data-pw=receipt]")
    receipt.wait_for(timeout=15000)
    widget = drawn(receipt)

    server = service.session(candidate.session_id, candidate.token)
    [switch] = [line for line in server["receipt"] if not line["notice"]]
    [resumed] = [line for line in server["receipt"] if line["notice"]]
    assert widget["headings"] == ["What happened", "How it counts", "Points"]
    assert widget["rows"] == [[f"Switched away from the exam tab at {local(switch['at'])}", "Costs 8 points each time",
                               "−8"]]
    assert widget["total"].split() == ["Total", "deducted", "−8"]
    assert widget["notices"] == [f"Monitoring page reopened; the session resumed at {local(resumed['at'])}"]
    assert widget["zone"] == f"Times are in your time zone ({ZONE})."
    assert widget["coverage"] == f"Monitoring coverage: {server['coverage']['summary']}."
    text = receipt.inner_text()
    assert "tab_switch" not in text and "UTC" not in text, "no codes, no server time zone"
    continue_link = receipt.get_by_role("link", name="Continue")
    assert continue_link.get_attribute("href") == server["result_url"]
    page.screenshot(path=screenshots / "receipt.png", full_page=True)

    continue_link.click()
    result = page.locator("[data-pw=receipt]")
    result.wait_for(timeout=10000)
    assert drawn(result) == widget, "the same rows, columns, total, notices and coverage"
    assert page.locator("h1").count() == 1 and result.locator("h2").inner_text() == f"Result: {server['exam_title']}"
    assert result.locator("[data-pw=about]").inner_text().startswith("Ada Candidate · started ")
    back = result.get_by_role("link", name="Back to the start page")
    assert back.get_attribute("href") == "/"
    page.screenshot(path=screenshots / "result.png", full_page=True)
    back.click()
    page.locator("#start-form").wait_for(timeout=10000)


def test_a_running_sessions_result_page_says_so(browsers, open_page, service):
    page = open_page(browsers("face", "speech"))
    candidate = start_monitoring(page, page)
    result_url = service.session(candidate.session_id, candidate.token)["result_url"]
    other = open_page(browsers("face", "speech"), f"{service.base_url}{result_url}")
    message = other.locator("[data-pw=message]")
    message.wait_for(timeout=10000)
    assert "still running" in message.inner_text()
    assert other.locator("h1").count() == 1


def test_the_start_page_preselects_the_default_exam_and_shows_its_rules(browsers, open_page, service, screenshots):
    page = open_page(browsers("face", "speech"))
    assert page.locator("#exam").input_value() == "interview", "the API's default exam"
    titles = page.locator("#exam option").all_inner_texts()
    assert titles and not [title for title in titles if ":" in title or "notice" in title], titles
    shown = page.locator(".exam-rules:visible")
    assert shown.count() == 1 and shown.get_attribute("data-exam") == "interview"
    assert "Silence for more than 10 s: 5 points" in shown.inner_text()
    page.screenshot(path=screenshots / "start.png", full_page=True)
    page.locator("#exam").select_option("exam")
    shown = page.locator(".exam-rules:visible")
    assert shown.get_attribute("data-exam") == "exam"
    assert "Silence for more than 10 s: noted for the reviewer, no points" in shown.inner_text()
