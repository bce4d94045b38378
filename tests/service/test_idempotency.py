"""Retries: the same ``seq`` on a stream gets the same answer and is logged once; ending twice scores once."""

from __future__ import annotations

import pytest

from proctor_core.service.models import ObservationReceipt, ProctoringSession, ViolationRecord


def test_same_seq_twice_same_answer_logged_once(opened):
    first = opened.post("/events", {"type": "tab_hidden", "seq": 5})
    second = opened.post("/events", {"type": "tab_hidden", "seq": 5})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert [v["code"] for v in first.json()["violations"]] == ["tab_switch"]
    assert ViolationRecord.objects.count() == 1
    assert ObservationReceipt.objects.count() == 1


def test_a_retry_gets_its_own_answer_even_after_later_observations(opened, clock):
    hidden = opened.post("/events", {"type": "tab_hidden", "seq": 1}).json()
    clock.now += 1.5
    opened.post("/events", {"type": "tab_visible", "seq": 2})
    clock.now += 5
    again = opened.post("/events", {"type": "tab_hidden", "seq": 1}).json()
    assert again == hidden
    assert ViolationRecord.objects.count() == 1


def test_frame_retry_is_answered_without_recording(opened, clock, no_face_jpeg):
    opened.frame(no_face_jpeg, seq=1)
    clock.now += 7
    first = opened.frame(no_face_jpeg, seq=2).json()
    assert [v["code"] for v in first["violations"]] == ["face_missing"]
    clock.now += 3
    raw_retry = opened.client.generic(
        "POST", opened.url("/frames") + "?seq=2", no_face_jpeg, content_type="image/jpeg"
    ).json()
    assert raw_retry == first
    assert ViolationRecord.objects.filter(code="face_missing").count() == 1


def test_seq_is_per_stream(opened):
    audio = opened.post("/audio", {"is_silent": False, "seq": 1})
    event = opened.post("/events", {"type": "tab_hidden", "seq": 1})
    assert audio.json() == {"violations": []}
    assert [v["code"] for v in event.json()["violations"]] == ["tab_switch"]
    assert ObservationReceipt.objects.count() == 2


def test_without_seq_every_request_counts(opened, clock):
    opened.post("/events", {"type": "tab_hidden"})
    clock.now += 1
    opened.post("/events", {"type": "tab_visible"})
    clock.now += 5
    opened.post("/events", {"type": "tab_hidden"})
    assert ViolationRecord.objects.filter(code="tab_switch").count() == 2
    assert ObservationReceipt.objects.count() == 0


def test_end_is_idempotent_and_drops_the_retry_answers(opened, clock):
    opened.post("/events", {"type": "tab_hidden", "seq": 1})
    first = opened.post("/end")
    clock.now += 30
    second = opened.post("/end")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["score"] == 92
    session = ProctoringSession.objects.get(pk=opened.id)
    assert session.ended_at.timestamp() == pytest.approx(clock.now - 30)
    assert ObservationReceipt.objects.count() == 0


def test_buffered_events_are_judged_at_capture_time(opened, clock):
    start = clock.now
    clock.now = start + 60
    opened.post("/audio", {"is_silent": False, "captured_at": start + 60})  # the client clock's offset: 0
    hidden = opened.post("/events", {"type": "tab_hidden", "captured_at": start + 20}).json()
    future = opened.post("/audio", {"is_silent": False, "captured_at": start + 3600}).json()
    assert hidden["violations"][0]["at"] == "2023-11-14T22:13:40Z"  # start + 20
    assert hidden["violations"][0]["captured_at"] == "2023-11-14T22:13:40Z"
    assert future == {"violations": []}
