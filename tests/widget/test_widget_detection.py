"""The widget against the real service in Chromium, one fake camera/microphone input per case: what it sends,
and that the service's answers reach the candidate (status, toasts, "recorded so far")."""

from __future__ import annotations

import time

import pytest
from widget_harness import Traffic, start_monitoring, wait_for

pytestmark = pytest.mark.browser


def codes(violations: list[dict]) -> list[str]:
    return [violation["code"] for violation in violations]


def test_face_present_records_nothing(browsers, open_page, service):
    """A candidate in view and talking: a JPEG frame a second, audio flags, face "ok", nothing recorded."""
    page = open_page(browsers("face", "speech"))
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    page.wait_for_timeout(7000)  # longer than the face-missing threshold (5 s)

    assert candidate.face_status() == "ok"
    assert "Face visible" in page.locator("[data-pw=face]").inner_text()
    assert service.violations(candidate.session_id, candidate.token) == []
    assert service.session(candidate.session_id, candidate.token)["counts"] == {}
    assert candidate.recorded() == {}

    frames = [r for r in traffic.requests if r.url.split("?")[0].endswith("/frames")]
    assert 5 <= len(frames) <= 9, f"about one frame a second, got {len(frames)} in 7 s"
    frame = frames[-1]
    assert frame.headers["content-type"] == "image/jpeg"
    assert frame.headers["authorization"] == f"Bearer {candidate.token}"
    assert frame.response().json()["face_status"] == "ok", "the service read the JPEG body"
    audio = traffic.sent("audio")
    assert 5 <= len(audio) <= 9
    assert {"is_silent", "level", "seq", "captured_at"} == set(audio[0])
    assert all(sample["is_silent"] is False for sample in audio), audio
    assert abs(audio[-1]["captured_at"] - time.time()) < 5, "captured_at is POSIX seconds"
    assert traffic.undelivered() == set()
    assert candidate.errors == []


def test_face_gone_for_more_than_5_s_is_face_missing(browsers, open_page, service):
    """3 s in view, then away: face_missing once the face has been gone more than 5 s."""
    page = open_page(browsers("face_then_gone", "speech"))
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "no_face", 10, 'the status "no face"', page=page)
    assert "No face in view" in page.locator("[data-pw=face]").inner_text()

    missing = wait_for(
        lambda: [v for v in service.violations(candidate.session_id, candidate.token) if v["code"] == "face_missing"],
        15,
        "face_missing on the server",
        page=page,
    )
    assert missing[0]["detail"]["lasted_s"] > 5
    assert missing[0]["notice"] is False
    wait_for(lambda: candidate.recorded().get("face_missing"), 5, "face_missing in the widget's list", page=page)
    toast = page.locator(".pw-toasts .pw-toast").filter(has_text="Face missing")
    assert "Your face was out of view for" in toast.inner_text()
    assert "multiple_faces" not in codes(service.violations(candidate.session_id, candidate.token))


def test_two_faces_are_multiple_faces(browsers, open_page, service):
    """Two people in view: multiple_faces at once, shown as status and toast."""
    page = open_page(browsers("two_faces", "speech"))
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "multiple_faces", 10, 'the status "multiple faces"', page=page)
    found = wait_for(
        lambda: "multiple_faces" in codes(service.violations(candidate.session_id, candidate.token)),
        10,
        "multiple_faces on the server",
        page=page,
    )
    assert found
    wait_for(lambda: candidate.recorded().get("multiple_faces"), 5, "multiple_faces in the widget's list", page=page)
    assert "More than one face was seen" in page.locator(".pw-toasts").inner_text()
    assert "More than one person in view" in page.locator("[data-pw=face]").inner_text()


def test_silence_after_speech_is_silence(browsers, open_page, service):
    """3 s of speech, then digital silence: the audio flags follow, and silence fires after more than 10 s."""
    page = open_page(browsers("face", "speech_then_silence", loop_audio=False))
    traffic = Traffic(page)
    candidate = start_monitoring(page, page)
    silence = wait_for(
        lambda: [v for v in service.violations(candidate.session_id, candidate.token) if v["code"] == "silence"],
        30,
        "silence on the server",
        page=page,
    )
    assert silence[0]["detail"]["lasted_s"] > 10
    flags = [sample["is_silent"] for sample in traffic.sent("audio")]
    assert False in flags[:3], f"the speech was heard first: {flags}"
    first_silent = flags.index(True)
    assert all(flags[first_silent:]), f"then only silence: {flags}"
    wait_for(lambda: candidate.recorded().get("silence"), 5, "silence in the widget's list", page=page)
    assert candidate.recorded().keys() == {"silence"}
