"""Nothing dropped in silence: a run of HTTP 500 answers from the service in real Chromium. The widget says the
service is the trouble (never "Offline" while the network is up), gives an observation up only after its retries,
and reports what it gave up to the service as the notice ``observations_lost``, which the reviewer sees."""

from __future__ import annotations

import json

import pytest

from widget_harness import Traffic, start_monitoring, wait_for

pytestmark = pytest.mark.browser


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

    frames = [seq for stream, seq, _ in traffic.attempts if stream == "frames"]
    first_tries = list(dict.fromkeys(frames))
    assert first_tries == sorted(first_tries), "frames are numbered in capture order"
    assert candidate.errors == []
