"""The widget on every page of an LMS quiz attempt, in Chromium against the real service: moving between pages
resumes monitoring without consent and is no tab switch; a real tab switch still is; a refused token never gets
through consent; the receipt fits a 375 px wide frame.

Each quiz page is a top-level page of another origin (the "LMS") with the monitoring page in an iframe, as the
Moodle quiz access rule places it. The monitoring page is the service's real one (its HTML as the start form
answers it), served at a fixed URL of the service's origin so that every quiz page can load it again.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest
from widget_harness import RECORD_STREAMS, Candidate, Traffic, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser

MONITOR_PATH = "/__quiz/monitor"
CONSENT = "I agree: check my camera and microphone"


def serve_monitor_page(page, service, html: str) -> str:
    """Answer ``MONITOR_PATH`` on the service's origin with ``html``; return its URL."""
    url = f"{service.base_url}{MONITOR_PATH}"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    return url


def quiz_url(embedder, src: str, page: int = 1, pages: int = 3) -> str:
    return f"{embedder.origin}/quiz?{urllib.parse.urlencode({'src': src, 'page': page, 'pages': pages})}"


def tool_frame(page):
    return page.locator("#tool").element_handle().content_frame()


def consent_and_start(frame, timeout_ms: int = 20000) -> None:
    frame.get_by_role("button", name=CONSENT).click(timeout=timeout_ms)
    frame.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.textContent === 'Start monitoring' && !b.disabled)",
        timeout=timeout_ms,
    )
    frame.get_by_role("button", name="Start monitoring").click()
    frame.locator("[data-pw=monitor]").wait_for(timeout=timeout_ms)


def codes(violations: list[dict]) -> list[str]:
    return [violation["code"] for violation in violations]


def test_quiz_pages_resume_monitoring_without_consent_and_are_no_tab_switch(
    browsers, open_page, service, embedder, screenshots
):
    chromium = browsers("face", "speech")
    html, session_id, token = service.monitor_page()
    html = html.replace('id="proctor-widget"', 'id="proctor-widget" data-lms="true" data-endable="false"')
    page = open_page(chromium, "about:blank")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    traffic = Traffic(page)
    starts: list[str] = []
    page.on("request", lambda request: starts.append(request.url) if request.url.endswith("/start") else None)
    src = serve_monitor_page(page, service, html)

    page.goto(quiz_url(embedder, src, 1))
    consent_and_start(tool_frame(page))
    wait_for(lambda: service.session(session_id, token)["monitoring_started_at"], 10, "the start on the server")
    wait_for(lambda: tool_frame(page).locator("[data-pw=face]").get_attribute("data-status") == "ok", 10, "a frame")

    resumed_in = []
    for number in (2, 3):
        frames_before = len(traffic.sent("frames"))
        clicked = time.monotonic()
        page.locator("#next").click()
        page.wait_for_url(f"**page={number}**")
        frame = tool_frame(page)
        frame.locator("[data-pw=monitor]").wait_for(timeout=10000)
        new_frame = lambda before=frames_before: len(traffic.sent("frames")) > before  # noqa: E731
        wait_for(new_frame, 10, "a frame from the new page", page=page)
        resumed_in.append(time.monotonic() - clicked)
        assert frame.get_by_role("button", name=CONSENT).count() == 0
        assert frame.locator("[aria-labelledby=pw-check-title]").count() == 0, "no device check either"
        assert frame.get_by_role("button", name="End monitoring").count() == 0, "submitting the attempt ends it"
        assert "when you submit the attempt" in frame.locator("[data-pw=ends-with-attempt]").inner_text()
    page.screenshot(path=screenshots / "quiz-page-monitored.png")

    assert max(resumed_in) < 5, f"monitoring resumed {resumed_in} s after each page change"
    assert starts == [f"{service.base_url}/api/v1/sessions/{session_id}/start"], "started once, resumed after"
    # A page's last requests (keepalive, sent while it unloads) reach the service but not the test's request log:
    # the service is the judge. Unloading a page fires pagehide, then visibilitychange (measured in this Chromium).
    page.wait_for_timeout(1500)
    assert service.violations(session_id, token) == [], "changing pages recorded nothing"

    widget = tool_frame(page).locator("#proctor-widget")
    candidate = Candidate(page, tool_frame(page), session_id, widget.get_attribute("data-token"), errors)
    switch_tab_away_and_back(candidate, chromium)
    wait_for(lambda: "tab_switch" in codes(service.violations(session_id, token)), 10, "the switch", page=page)
    page.wait_for_timeout(2000)

    assert [body["type"] for body in traffic.sent("events")].count("tab_hidden") == 1
    assert codes(service.violations(session_id, token)) == ["tab_switch"], "no gap, no switch from navigation"
    assert errors == []


def test_resumed_page_whose_camera_fails_shows_the_device_check(browsers, open_page, service, embedder):
    html, session_id, token = service.monitor_page()
    status, _ = service.call("POST", f"/api/v1/sessions/{session_id}/start", token=token)
    assert status == 200
    page = open_page(browsers("face", "speech"), "about:blank")
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = async (c) => {"
        " throw new DOMException('camera taken', c && c.video ? 'NotReadableError' : 'NotFoundError'); };"
    )
    page.goto(quiz_url(embedder, serve_monitor_page(page, service, html)))
    frame = tool_frame(page)

    frame.locator("[aria-labelledby=pw-check-title]").wait_for(timeout=15000)
    assert frame.get_by_role("button", name=CONSENT).count() == 0
    assert frame.locator("[data-pw=monitor]").count() == 0


def test_a_replaced_token_never_gets_through_consent(browsers, open_page, service, embedder):
    """In an LMS page: a newer launch replaced the token while consent was shown; giving consent then says so,
    in words true for an LMS, and opens no device."""
    html, session_id, _ = service.monitor_page()
    html = html.replace('id="proctor-widget"', 'id="proctor-widget" data-lms="true"')
    page = open_page(browsers("face", "speech"), "about:blank")
    page.add_init_script(RECORD_STREAMS)
    replaced = {"now": False}

    def session_state(route):
        if replaced["now"]:
            body = '{"error": {"code": "invalid_token", "message": "the session token is not valid", "details": null}}'
            return route.fulfill(status=401, content_type="application/json", body=body)
        return route.continue_()

    page.route(f"{service.base_url}/api/v1/sessions/{session_id}", session_state)
    page.goto(quiz_url(embedder, serve_monitor_page(page, service, html)))
    frame = tool_frame(page)
    frame.get_by_role("button", name=CONSENT).wait_for(timeout=15000)

    replaced["now"] = True
    frame.get_by_role("button", name=CONSENT).click()

    message = frame.locator("[data-pw=message]")
    message.wait_for(timeout=10000)
    assert "replaced by a newer launch of the activity" in message.inner_text()
    assert "start page" not in message.inner_text()
    page.wait_for_timeout(1000)
    assert frame.locator("[aria-labelledby=pw-check-title]").count() == 0
    assert frame.get_by_role("button", name=CONSENT).count() == 0
    assert frame.evaluate("window.__testStreams.length") == 0, "no camera or microphone was opened"


def test_a_dead_token_in_a_new_window_shows_the_lms_message_at_once(browsers, open_page, service):
    html, _, _ = service.monitor_page()
    html = html.replace('id="proctor-widget"', 'id="proctor-widget" data-lms="true"')
    token = html.split('data-token="')[1].split('"')[0]
    page = open_page(browsers("face", "speech"), "about:blank")
    page.goto(serve_monitor_page(page, service, html.replace(token, "replaced-by-a-newer-launch")))

    message = page.locator("[data-pw=message]")
    message.wait_for(timeout=10000)
    assert "This page was replaced" in message.inner_text()
    assert page.get_by_role("button", name=CONSENT).count() == 0


def test_receipt_fits_a_375px_frame_and_continues_to_the_return_url(
    browsers, open_page, service, embedder, screenshots
):
    html, session_id, token = service.monitor_page()
    back = f"{embedder.origin}/quiz?page=9&src=about:blank"
    html = html.replace('id="proctor-widget"', f'id="proctor-widget" data-lms="true" data-return-url="{back}"')
    chromium = browsers("face", "speech")
    page = open_page(chromium, "about:blank")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(quiz_url(embedder, serve_monitor_page(page, service, html), pages=1))
    frame = tool_frame(page)
    consent_and_start(frame)
    candidate = Candidate(page, frame, session_id, token, [])
    wait_for(lambda: frame.locator("[data-pw=face]").get_attribute("data-status") == "ok", 10, "a frame", page=page)
    switch_tab_away_and_back(candidate, chromium, away_s=1)
    wait_for(lambda: frame.locator("[data-pw=recorded] li").count(), 10, "the switch in the widget", page=page)

    frame.get_by_role("button", name="End monitoring").click()
    receipt = frame.locator("[data-pw=receipt]")
    receipt.wait_for(timeout=15000)
    assert receipt.locator("tbody tr").count() == 1

    widths = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.scrollX]"
    inner_scroll, inner_client, _ = frame.evaluate(widths)
    outer_scroll, outer_client, outer_x = page.evaluate(widths)
    assert inner_scroll <= inner_client, f"the receipt is {inner_scroll} px wide in a {inner_client} px frame"
    assert outer_scroll <= outer_client and outer_x == 0, "the LMS page never scrolls sideways"
    assert receipt.get_by_role("link", name="Continue").get_attribute("href") == back
    page.screenshot(path=screenshots / "receipt-375.png", full_page=True)

    result_path = service.session(session_id, token)["result_url"]
    result = open_page(chromium, "about:blank")
    result.set_viewport_size({"width": 375, "height": 740})
    result.goto(service.base_url + result_path)
    result.locator("[data-pw=receipt] tbody tr").wait_for(timeout=10000)  # drawn by the page's script
    result_scroll, result_client, _ = result.evaluate(widths)
    assert result_scroll <= result_client, f"the result page is {result_scroll} px wide at {result_client} px"
