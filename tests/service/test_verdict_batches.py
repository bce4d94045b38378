"""Batches of on-device verdicts: a batch spanning seconds is judged as the same frames sent one a second, a retry
counts nothing twice, and a hostile batch gets a clear 4xx or bounded handling."""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest
from test_verdicts import FACE, send, verdict

from proctor_core.service import recording
from proctor_core.service.models import ObservationReceipt, ProctoringSession, ViolationRecord
from proctor_core.service.rest_api.v1.verdicts import MAX_BATCH, MAX_BATCH_BYTES
from proctor_core.service.spotcheck_models import VerdictCheck

START = 1_700_000_000.0
"""The fake clock's start, when the sessions open (checked by :func:`at_start`)."""
SKEW = 1000.0
"""The candidate's clock is this far ahead of the service's: capture times are judged on the service's clock."""


@pytest.fixture(autouse=True)
def at_start(clock):
    assert clock.now == START


def audio(seq: int, at: float, silent: bool = False) -> dict:
    return {"seq": seq, "captured_at": at, "is_silent": silent, "level": 12.5}


def test_a_batch_spanning_seconds_is_judged_as_frames_sent_each_second(
    device, open_session, clock, face_jpeg, no_face_jpeg
):
    """Verdicts sent five at a time, in the session's first batch too, give the violations frames sent each second
    give, at the same times."""
    server = open_session(exam="interview")
    pending, device_violations, server_violations = [], [], []
    for seq in range(20):
        jpeg, faces = (face_jpeg, [FACE]) if seq < 3 or seq > 14 else (no_face_jpeg, [])
        captured_at = clock.now + SKEW
        pending.append(verdict(seq, jpeg, faces, captured_at=captured_at))
        clock.now += 0.2  # each request's way to the service
        server_violations += server.frame(jpeg, seq=seq, captured_at=captured_at).json()["violations"]
        if len(pending) == 5:
            answer = send(device, *pending)
            assert answer.status_code == 200, answer.content
            device_violations += [v for result in answer.json()["verdicts"] for v in result["violations"]]
            pending = []
        clock.now += 0.8
    assert [v["code"] for v in device_violations] == [v["code"] for v in server_violations] == ["face_missing"] * 4
    assert [v["at"] for v in device_violations] == [v["at"] for v in server_violations]
    assert device.post("/end").json()["score"] == server.post("/end").json()["score"]


def test_audio_reports_travel_with_the_verdicts_and_count_as_microphone_coverage(device, clock, face_jpeg):
    for second in range(0, 30, 5):
        seqs = range(second, second + 5)
        answer = send(
            device,
            *(verdict(s, face_jpeg, [FACE], captured_at=START + s) for s in seqs),
            audio=tuple(audio(s, START + s) for s in seqs),
        )
        assert answer.status_code == 200, answer.content
        assert [a["seq"] for a in answer.json()["audio"]] == list(seqs)
        clock.now += 5
    coverage = device.post("/end").json()["coverage"]
    assert coverage["microphone_reports"] == 30 and coverage["camera_frames"] == 30
    assert coverage["gaps"] == 0


def test_a_retried_batch_counts_nothing_twice_and_gets_the_same_answer(
    device, clock, face_jpeg, no_face_jpeg, monkeypatch
):
    monkeypatch.setattr(random.Random, "randrange", lambda self, n: 1)  # no check at random: only those asked for
    batch = [verdict(s, no_face_jpeg, [], captured_at=START + s) for s in range(8)]
    clock.now += 8
    first = send(device, *batch, audio=(audio(1, START + 1),)).json()
    assert [v["code"] for r in first["verdicts"] for v in r["violations"]] == ["face_missing"]
    state = ProctoringSession.objects.get().engine_state
    again = send(device, *batch, audio=(audio(1, START + 1),)).json()
    assert again == first
    assert ProctoringSession.objects.get().engine_state == state
    assert ViolationRecord.objects.count() == 1 and ObservationReceipt.objects.count() == 9
    # the widget's next try may carry the unanswered verdicts with newer ones: only the new ones are judged
    clock.now += 1
    grown = send(device, *batch, verdict(8, face_jpeg, [FACE], captured_at=START + 8)).json()
    assert grown["verdicts"][:8] == first["verdicts"] and grown["verdicts"][8]["violations"] == []
    assert ViolationRecord.objects.count() == 1 and ObservationReceipt.objects.count() == 10
    assert VerdictCheck.objects.filter(seq__in=range(8)).count() == 2  # the first verdict and the violation


def test_a_retry_older_than_the_engines_memory_is_answered_from_its_receipts(device, clock, face_jpeg, no_face_jpeg):
    old = [verdict(s, no_face_jpeg, [], captured_at=START + s) for s in range(8)]
    clock.now += 8
    first = send(device, *old).json()
    for start in range(100, 400, MAX_BATCH):  # 300 newer verdicts: the engine forgets the old seqs
        clock.now += MAX_BATCH
        batch = [verdict(s, face_jpeg, [FACE], captured_at=clock.now - 400 + s) for s in range(start, start + 30)]
        assert send(device, *batch).status_code == 200
    violations, receipts = ViolationRecord.objects.count(), ObservationReceipt.objects.count()
    state = ProctoringSession.objects.get().engine_state
    assert send(device, *old).json()["verdicts"] == first["verdicts"]
    assert (ViolationRecord.objects.count(), ObservationReceipt.objects.count()) == (violations, receipts)
    assert ProctoringSession.objects.get().engine_state == state


def test_a_batch_that_loses_the_race_is_judged_again_under_the_lock(device, clock, no_face_jpeg, monkeypatch):
    real, calls = recording.save_state, []

    def first_fails(session, state):
        calls.append(session.version)
        return len(calls) > 1 and real(session, state)

    monkeypatch.setattr(recording, "save_state", first_fails)
    clock.now += 8
    answer = send(device, *(verdict(s, no_face_jpeg, [], captured_at=START + s) for s in range(8)))
    assert answer.status_code == 200 and len(calls) == 2
    assert ViolationRecord.objects.filter(code="face_missing").count() == 1
    assert ObservationReceipt.objects.count() == 8


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"verdicts": [], "audio": []}, "at least one"),
        ({}, "at least one"),
        ({"verdicts": "many"}, ""),
        ({"verdicts": [{"seq": 1}]}, ""),
        ("verdicts", ""),
    ],
)
def test_a_malformed_batch_is_a_400(device, batch, message):
    answer = device.post("/verdicts", batch)
    assert answer.status_code == 400, answer.content
    assert message in json.dumps(answer.json())
    assert not ObservationReceipt.objects.exists()


@pytest.mark.parametrize("seqs", [[1, 2, 2], [3, 2, 4], [5, 5]], ids=["duplicated", "out-of-order", "repeated"])
def test_duplicated_or_unordered_seqs_are_refused_and_change_nothing(device, face_jpeg, seqs):
    state = ProctoringSession.objects.get().engine_state
    answer = send(device, *(verdict(s, face_jpeg, [FACE]) for s in seqs))
    assert answer.status_code == 400 and "increasing order" in json.dumps(answer.json()["error"]["details"])
    answer = send(device, audio=tuple(audio(s, START) for s in seqs))
    assert answer.status_code == 400
    assert ProctoringSession.objects.get().engine_state == state
    assert not ObservationReceipt.objects.exists() and not VerdictCheck.objects.exists()


def test_more_than_the_batch_limit_is_refused(device, face_jpeg):
    over = [verdict(s, face_jpeg, []) for s in range(MAX_BATCH + 1)]
    assert send(device, *over).status_code == 400
    assert send(device, audio=tuple(audio(s, START) for s in range(MAX_BATCH + 1))).status_code == 400
    thousand = [verdict(s, face_jpeg, [FACE]) for s in range(1000)]
    too_big = send(device, *thousand)
    assert too_big.status_code == 413 and too_big.json()["error"]["details"]["max_bytes"] == MAX_BATCH_BYTES
    assert not ObservationReceipt.objects.exists() and not ViolationRecord.objects.exists()


def test_capture_times_in_the_future_or_far_past_are_judged_at_arrival(device, clock, face_jpeg, no_face_jpeg):
    """A lying clock moves nothing after the service's now, nor before the session or the stream's last time."""
    clock.now += 10
    hostile = [
        verdict(1, no_face_jpeg, [], captured_at=START - 86_400),
        verdict(2, no_face_jpeg, [], captured_at=START + 86_400 * 365),
        verdict(3, no_face_jpeg, [], captured_at=1.0),
    ]
    assert send(device, *hostile).status_code == 200
    stream = ProctoringSession.objects.get().engine_state["streams"]["frame"]
    assert START <= stream["first_at"] <= stream["last_at"] <= clock.now
    # the next honest batch is judged on its capture times again, not all at its arrival
    honest = [verdict(s, no_face_jpeg, [], captured_at=clock.now + s) for s in range(8)]
    clock.now += 8
    violations = [v for r in send(device, *honest).json()["verdicts"] for v in r["violations"]]
    assert violations and {v["code"] for v in violations} == {"face_missing"}
    judged = [datetime.fromisoformat(v["at"].replace("Z", "+00:00")).timestamp() for v in violations]
    assert START + 10 < judged[0] < clock.now - 1 and judged == sorted(judged)
    assert ProctoringSession.objects.get().engine_state["streams"]["frame"]["last_at"] <= clock.now
