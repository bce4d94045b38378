"""Every view a candidate meets, checked by axe-core in real Chromium: no serious or critical violation, and one h1
per view. Views: the start page (and its errors), consent, device check, monitoring with a toast, the receipt, the
result page, a monitoring address without a token, and the 404 page."""

from __future__ import annotations

import pytest
from accessibility import AXE, serious_violations
from widget_harness import Candidate, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser

CONSENT = "I agree: check my camera and microphone"


@pytest.fixture
def axe(need) -> None:
    need(AXE.is_file(), f"axe-core ({AXE}): npm ci --prefix tests/widget/axe")


def check(frame, view: str, checked: dict[str, list[str]]) -> None:
    assert frame.locator("h1").count() == 1, f"{view}: one h1"
    checked[view] = serious_violations(frame)


def test_every_view_passes_axe(axe, browsers, open_page, service):
    chromium = browsers("face", "speech")
    checked: dict[str, list[str]] = {}
    page = open_page(chromium)
    check(page, "start page", checked)
    page.locator("#email").fill("not-an-address")
    page.get_by_role("button", name="Start").click()
    page.locator("#email-error").wait_for(timeout=10000)
    check(page, "start page with errors", checked)
    page.reload()

    page.locator("#name").fill("Ada Candidate")
    page.locator("#email").fill("ada@example.org")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name=CONSENT).wait_for(timeout=20000)
    check(page, "consent", checked)
    page.get_by_role("button", name=CONSENT).click()
    page.get_by_role("button", name="Start monitoring").wait_for(timeout=20000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.textContent === 'Start monitoring' && !b.disabled)",
        timeout=20000,
    )
    check(page, "device check", checked)
    page.get_by_role("button", name="Start monitoring").click()
    page.locator("[data-pw=monitor]").wait_for(timeout=20000)
    session_id = page.locator("#proctor-widget").get_attribute("data-session-id")
    token = page.locator("#proctor-widget").get_attribute("data-token")
    candidate = Candidate(page, page, session_id, token, [])
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)
    switch_tab_away_and_back(candidate, chromium, away_s=1.0)
    page.locator(".pw-toasts .pw-toast").first.wait_for(timeout=10000)
    check(page, "monitoring with a toast", checked)
    page.get_by_role("button", name="End monitoring").click()
    page.locator("[data-pw=receipt]").wait_for(timeout=20000)
    check(page, "receipt", checked)

    page.goto(service.base_url + service.session(session_id, token)["result_url"])
    page.locator("[data-pw=receipt]").wait_for(timeout=10000)  # drawn by the page's script
    check(page, "result page", checked)
    other_tab = open_page(chromium, f"{service.base_url}/s/{session_id}/monitor")  # this tab keeps its token
    other_tab.locator("[data-pw=message]").wait_for(timeout=10000)
    check(other_tab, "monitoring address without a token", checked)
    page.goto(f"{service.base_url}/no-such-page/")
    check(page, "404 page", checked)

    assert {view: found for view, found in checked.items() if found} == {}, checked
    assert len(checked) == 9


def test_the_check_finds_what_it_looks_for(axe, browsers, open_page):
    """A page with an unlabelled button and an image without text: the check reports both."""
    page = open_page(browsers("face", "speech"), "about:blank")
    page.set_content(
        "<!doctype html><html lang='en'><title>t</title><main><h1>x</h1><button></button><img src='x.png'></main>"
    )
    found = serious_violations(page)
    assert any(line.startswith("button-name") for line in found), found
    assert any(line.startswith("image-alt") for line in found), found
