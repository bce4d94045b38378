"""Nothing dropped in silence, in real Chromium: a run of HTTP 500 answers from the service, and a reload in the
middle of an outage. The widget says the service is the trouble (never "Offline" while the network is up), gives an
observation up only after its retries, keeps what waits across a reload and sends it afterwards, and reports
exactly what it gave up to the service as the notice ``observations_lost``, which the reviewer sees."""

from __future__ import annotations

import json

import pytest
from widget_harness import Traffic, start_monitoring, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser


def reported(service, candidate) -> dict[str, int]:
    """What the service's observations_lost notices count as lost, per stream."""
    counts: dict[str, int] = {}
    for violation in service.violations(candidate.session_id, candidate.token):
        if violation["code"] == "observations_lost":
            for stream, count in violation["detail"].get("lost", {}).items():
                counts[stream] = counts.get(stream, 0) + count
    return counts


def test_a_run_of_server_errors_is_told_truthfully_and_losses_are_reported(browsers, open_page, service):
    page = open_page(browsers("face", "speech"))
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    connection = page.locator("[data-pw=connection]")
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)

    refused: list[int] = []

    def fail(route) -> None:
        refused.append(1)
        body = json.dumps({"error": {"code": "server_error", "message": "injected"}})
        route.fulfill(status=500, content_type="application/json", body=body)

    page.route("**/api/v1/sessions/*/audio", fail)
    lines: list[str] = []
    for _ in range(24):  # 12 s of 500 answers on the audio stream; the network stays up
        page.wait_for_timeout(500)
        lines.append(connection.inner_text())
    page.unroute("**/api/v1/sessions/*/audio", fail)

    assert len(refused) >= 5, refused
    assert any("The service reported an error" in line for line in lines), lines
    assert not any("Offline" in line for line in lines), "the network was up all along"
    notices = lambda: [v["code"] for v in service.violations(candidate.session_id, candidate.token)]  # noqa: E731
    wait_for(lambda: "observations_lost" in notices(), 20, "the notice of what was given up", page=page)
    wait_for(lambda: connection.inner_text().strip().endswith("Connected"), 30, "the backlog to drain", page=page)
    lost = {seq for stream, seq in traffic.undelivered() if stream == "audio"}
    assert lost, "some audio was given up after its retries"
    assert all(stream == "audio" for stream, _ in traffic.undelivered()), "only what the service refused"
    wait_for(lambda: reported(service, candidate)["audio"] == len(lost), 20, "the exact count reported", page=page)
    assert reported(service, candidate) == {"audio": len(lost)}

    frames = [seq for stream, seq, _ in traffic.attempts if stream == "frames"]
    first_tries = list(dict.fromkeys(frames))
    assert first_tries == sorted(first_tries), "frames are numbered in capture order"
    assert candidate.errors == []


KEPT = """
window.__kept = Object.keys(sessionStorage).filter((key) => key.startsWith("proctor.backlog."))
  .map((key) => JSON.parse(sessionStorage.getItem(key)))[0] ?? null;
"""
"""What the previous page of the sitting left in storage, as the next page finds it before the widget reads it."""


def test_a_reload_mid_outage_sends_what_waited_and_reports_exactly_what_it_could_not_keep(
    browsers, open_page, service
):
    """No answer from the service for 8 s (requests fail), the candidate reloads, the outage goes on for a while,
    then ends: every audio report and page event from before the reload arrives with its original seq, the newest
    frames too, and the frames not kept are the exact count of one observations_lost notice."""
    chromium = browsers("face", "speech")
    page = open_page(chromium)
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)
    observations = "**/api/v1/sessions/*/{frames,audio,events}*"
    page.route(observations, lambda route: route.abort())
    switch_tab_away_and_back(candidate, chromium, away_s=1)  # page events wait too
    page.wait_for_timeout(7000)
    before = {(stream, seq) for stream, seq, _ in traffic.attempts}

    page.add_init_script(KEPT)
    page.reload()
    page.locator("[data-pw=monitor]").wait_for(timeout=20000)
    kept = page.evaluate("window.__kept")
    kept_items = {(item["stream"], item["seq"]) for item in kept["items"]}
    assert sum(1 for stream, _ in kept_items if stream == "frames") == 5, "the newest five frames are kept"
    assert {stream for stream, _ in kept_items} == {"frames", "audio", "events"}, kept_items
    assert kept["lost"]["frames"] > 0 and kept["lost"]["audio"] == kept["lost"]["events"] == 0, kept["lost"]
    assert {o for o in before - traffic.delivered if o[0] != "frames"} <= kept_items, "audio and events all kept"
    page.wait_for_timeout(2000)  # still no answer: the kept observations wait again, with the new ones
    page.unroute(observations)

    wait_for(lambda: not kept_items - traffic.delivered, 30, "every kept observation, with its seq", page=page)
    wait_for(lambda: reported(service, candidate).get("frames"), 20, "the count of frames not kept", page=page)
    assert reported(service, candidate) == {"frames": kept["lost"]["frames"]}, "exactly what was not kept"
    new = {seq for stream, seq, _ in traffic.attempts if (stream, seq) not in before | kept_items}
    assert min(new) > max(seq for _, seq in before | kept_items), "numbering goes on after the kept observations"
    counts = service.session(candidate.session_id, candidate.token)["counts"]
    assert (counts["tab_switch"], counts["observations_lost"], counts["session_resumed"]) == (1, 1, 1), counts
    assert candidate.errors == []
