"""The widget's session behaviour against the real service in Chromium: a real tab switch, an offline period,
the end and its receipt, keyboard use, and the widget inside a cross-origin iframe."""

from __future__ import annotations

import pytest
from widget_harness import RECORD_STREAMS, Traffic, start_monitoring, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser


def codes(violations: list[dict]) -> list[str]:
    return [violation["code"] for violation in violations]


def test_real_tab_switch_counts_once(browsers, open_page, service, screenshots):
    """Another tab in front, then back: hidden/visible (and blur/focus) are posted, the server counts one switch."""
    chromium = browsers("face", "speech")
    page = open_page(chromium)
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "ok", 10, "the first frame's answer", page=page)

    switch_tab_away_and_back(candidate, chromium)
    wait_for(lambda: candidate.recorded().get("tab_switch"), 10, "tab_switch in the widget's list", page=page)
    page.wait_for_timeout(2000)  # anything counted twice would have arrived by now

    events = [body["type"] for body in traffic.sent("events")]
    assert events[:1] == ["tab_hidden"] or events[:2] == ["window_blur", "tab_hidden"], events
    assert "tab_visible" in events
    assert codes(service.violations(candidate.session_id, candidate.token)) == ["tab_switch"]
    assert candidate.recorded() == {"tab_switch": 1}
    toast = page.locator(".pw-toasts [class*=pw-toast]").first
    assert "You left the exam page" in toast.inner_text()
    page.screenshot(path=screenshots / "monitor.png")


def test_offline_period_loses_nothing(browsers, open_page, service):
    """Offline for 14 s with a tab switch in between: the widget says so, queues, and delivers every observation
    once it is back, judged at capture time (no monitoring gap, one switch)."""
    chromium = browsers("face", "speech")
    page = open_page(chromium)
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    connection = page.locator("[data-pw=connection]")
    wait_for(lambda: candidate.face_status() == "ok", 10, "the first frame's answer", page=page)

    page.context.set_offline(True)
    wait_for(
        lambda: connection.get_attribute("data-online") == "false", 10, "the widget to say it is offline", page=page
    )
    assert "Offline" in connection.inner_text()
    assert "Face visible" not in page.locator("[data-pw=face]").inner_text(), "no stale face status while offline"
    switch_tab_away_and_back(candidate, chromium, away_s=1.5)
    page.wait_for_timeout(11000)  # 14 s in all: without the queue, the service would see a monitoring gap
    waiting = int(connection.inner_text().split("Offline: ")[1].split()[0])
    assert waiting >= 20, f"frames, audio and events queued: {connection.inner_text()}"
    page.context.set_offline(False)

    wait_for(lambda: connection.inner_text().strip().endswith("Connected"), 30, "the queue to drain", page=page)
    assert traffic.undelivered() == set(), "every observation tried was delivered in the end"
    sent = {stream: len(traffic.sent(stream)) for stream in ("frames", "audio", "events")}
    assert sent["frames"] >= 12 and sent["audio"] >= 12 and sent["events"] >= 2, sent
    violations = service.violations(candidate.session_id, candidate.token)
    assert codes(violations) == ["tab_switch"], "one switch, and no monitoring gap: the buffered frames count"
    assert candidate.errors == []


def test_end_stops_capture_and_shows_the_servers_score(browsers, open_page, service):
    """End: the tracks stop, nothing more is posted, and the receipt shows the server's score and deductions."""
    chromium = browsers("face", "speech")
    page = open_page(chromium, init_script=RECORD_STREAMS)
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "ok", 10, "the first frame's answer", page=page)
    switch_tab_away_and_back(candidate, chromium, away_s=1)
    wait_for(lambda: candidate.recorded().get("tab_switch"), 10, "tab_switch in the widget's list", page=page)

    page.get_by_role("button", name="End monitoring").click()
    receipt = page.locator("[data-pw=receipt]")
    receipt.wait_for(timeout=15000)
    assert page.evaluate("window.__testStreams.flatMap(s => s.getTracks()).every(t => t.readyState === 'ended')")
    assert page.evaluate("[...document.querySelectorAll('video')].every(v => !v.srcObject)")
    posted = len(traffic.attempts)
    page.wait_for_timeout(2500)
    assert len(traffic.attempts) == posted, "nothing is posted after the end"

    server = service.session(candidate.session_id, candidate.token)
    assert server["active"] is False
    assert float(receipt.locator("[data-pw=score]").get_attribute("data-score")) == server["score"]
    assert receipt.locator("[data-pw=score]").inner_text() == f"{server['score']:g}"
    assert receipt.locator("[data-pw=band]").get_attribute("data-band") == server["risk_level"]
    rows = receipt.locator("tbody tr")
    assert rows.count() == len(server["penalties"]) == len(server["receipt"]) == 1
    line = server["receipt"][0]
    assert rows.first.get_attribute("data-code") == line["code"] == "tab_switch"
    assert rows.first.inner_text().startswith(f"{line['description']} at ")
    assert f"−{line['points']:g}" in rows.first.inner_text()
    coverage = receipt.locator("[data-pw=coverage]").inner_text()
    assert coverage == f"Monitoring coverage: {server['coverage']['summary']}."
    assert receipt.locator("[data-pw=review] li").all_inner_texts() == server["review_reasons"]
    assert receipt.get_by_role("link", name="Continue").get_attribute("href").startswith(
        f"/s/{candidate.session_id}/result?key="
    )


def test_keyboard_only_and_live_regions(browsers, open_page, service):
    """Consent, device check, start and end work from the keyboard; status and toasts are live regions."""
    page = open_page(browsers("face", "speech"))
    page.locator("#name").fill("Kay Board")
    page.locator("#email").fill("kay@example.org")
    page.locator("#email").press("Enter")

    def activate(name: str) -> None:
        button = page.get_by_role("button", name=name)
        button.wait_for()
        wait_for(lambda: button.is_enabled(), 15, f"{name!r} to be enabled", page=page)
        for _ in range(30):
            if button.evaluate("b => b === document.activeElement"):
                break
            page.keyboard.press("Tab")
        else:
            pytest.fail(f"{name!r} cannot be reached with Tab")
        page.keyboard.press("Enter")

    activate("I agree: check my camera and microphone")
    # Consent checks the token with the service first, then the device check takes focus.
    heading = "() => document.activeElement.textContent === 'Camera and microphone check'"
    wait_for(lambda: page.evaluate(heading), 5, "focus to follow to the device check", page=page)
    activate("Start monitoring")
    page.locator("[data-pw=monitor]").wait_for()
    status = page.locator("[data-pw=monitor] [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert page.locator(".pw-toasts").get_attribute("aria-live") == "assertive"
    wait_for(lambda: "Face visible" in status.inner_text(), 10, "the face status in the live region", page=page)
    activate("End monitoring")
    page.locator("[data-pw=receipt]").wait_for(timeout=15000)


def test_cross_origin_iframe_captures(browsers, open_page, service, embedder):
    """Inside an iframe of another origin with allow="camera; microphone": the token travels as a header, no
    cookie is sent, and frames and audio reach the service."""
    page = open_page(browsers("face", "speech"), embedder.url(f"{service.base_url}/"))
    traffic = Traffic(page)
    frame = page.locator("#tool").element_handle().content_frame()
    assert frame.url.startswith(service.base_url) and not page.url.startswith(service.base_url)
    candidate = start_monitoring(page, frame)
    wait_for(lambda: candidate.face_status() == "ok", 10, "the face status inside the iframe", page=page)
    page.wait_for_timeout(3000)

    assert len(traffic.sent("frames")) >= 3 and len(traffic.sent("audio")) >= 2
    request = traffic.requests[-1]
    headers = request.all_headers()
    assert headers["authorization"] == f"Bearer {candidate.token}"
    assert "cookie" not in headers
    assert request.frame == frame
    assert service.violations(candidate.session_id, candidate.token) == []
    assert traffic.undelivered() == set()


def test_iframe_without_permission_reports_both_devices(browsers, open_page, service, embedder):
    """An iframe without allow="camera; microphone": the candidate is told, the service records both notices, and
    the receipt says the unwatched session will be reviewed."""
    page = open_page(browsers("face", "speech"), embedder.url(f"{service.base_url}/", allow=None))
    frame = page.locator("#tool").element_handle().content_frame()
    frame.locator("#name").fill("Ada Candidate")
    frame.locator("#email").fill("ada@example.org")
    frame.get_by_role("button", name="Start").click()
    frame.get_by_role("button", name="I agree: check my camera and microphone").click()
    start = frame.get_by_role("button", name="Start without the camera and microphone")
    start.wait_for(timeout=15000)
    check = frame.locator("[role=status]").inner_text()
    assert "Camera access was denied" in check and "Microphone access was denied" in check, check

    widget = frame.locator("#proctor-widget")
    session_id, token = widget.get_attribute("data-session-id"), widget.get_attribute("data-token")

    def notices() -> list[str]:
        return sorted(codes(service.violations(session_id, token)))

    wait_for(lambda: len(notices()) >= 2, 10, "the device notices on the server", page=page)
    page.wait_for_timeout(500)
    assert notices() == ["camera_unavailable", "microphone_unavailable"], "each reported once"
    start.click()
    assert "camera is not available" in frame.locator("[data-pw=device]").inner_text()
    face = frame.locator("[data-pw=face]").inner_text()
    assert "Camera off" in face and "Checking" not in face, "no status line contradicts another"
    assert not frame.get_by_text("Nothing recorded so far.").is_visible(), "the notices already shown are listed"
    recorded = frame.locator("[data-pw=recorded] li").all_inner_texts()
    assert sorted(text.split(":")[0] for text in recorded) == [
        "Camera unavailable (notice)",
        "Microphone unavailable (notice)",
    ], recorded
    assert "not available" in frame.locator("[data-pw=microphone]").inner_text()

    frame.get_by_role("button", name="End monitoring").click()  # unwatched: never "100, green, nothing recorded"
    receipt = frame.locator("[data-pw=receipt]")
    receipt.wait_for(timeout=15000)
    assert receipt.locator("[data-pw=band]").get_attribute("data-band") == "yellow"
    assert "The camera never worked" in receipt.locator("[data-pw=review]").inner_text()
    listed = receipt.locator("[data-pw=notices] li").all_inner_texts()
    assert sorted(text.split(" at ")[0] for text in listed) == ["Camera unavailable", "Microphone unavailable"]
    assert receipt.locator("[data-pw=notices] h3").inner_text() == "Notices (no points)"
    assert receipt.locator("tbody tr").count() == 0, "notices are no deductions"
    assert "nothing was recorded against you" not in receipt.inner_text()
