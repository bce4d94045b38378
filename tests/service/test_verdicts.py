"""On-device analysis: verdicts judged as frames, commit-then-reveal spot-checks, and what they refuse."""

from __future__ import annotations

import hashlib
import random

import pytest

from proctor_core.service.models import ViolationRecord
from proctor_core.service.spotcheck_models import VerdictCheck
from proctor_core.service.spotchecks import SAMPLE_ONE_IN, wants_picture

FACE = {"x": 200.0, "y": 120.0, "width": 180.0, "height": 180.0, "score": 0.9, "yaw_deg": 2.0, "turned": False}


def verdict(seq: int, jpeg: bytes, faces: list[dict], **fields) -> dict:
    return {"seq": seq, "width": 640, "height": 480, "faces": faces, "sha256": hashlib.sha256(jpeg).hexdigest(),
            **fields}


def send(opened, *verdicts: dict, audio: tuple[dict, ...] = ()):
    """``POST /verdicts`` with a batch of these verdicts (and audio reports)."""
    return opened.post("/verdicts", {"verdicts": list(verdicts), "audio": list(audio)})


def one(opened, *verdicts: dict) -> dict:
    """The answer to a batch, as the answer to its only (or last) verdict, with ``reveal`` as a flag."""
    answer = send(opened, *verdicts).json()
    return {**answer["verdicts"][-1], "reveal": answer["verdicts"][-1]["seq"] in answer["reveal"]}


def reveal(opened, seq: int, jpeg: bytes):
    return opened.client.post(opened.url(f"/verdicts/{seq}/frame"), jpeg, content_type="image/jpeg")


def test_verdicts_are_judged_as_frames_with_the_same_violations_and_score(
    device, open_session, clock, face_jpeg, no_face_jpeg
):
    """The same pictures, once as verdicts and once as frames, give the same violations and the same score."""
    server = open_session(exam="interview")
    device_codes, server_codes = [], []
    for seq in range(9):
        jpeg, faces = (face_jpeg, [FACE]) if seq < 2 else (no_face_jpeg, [])
        answer = send(device, verdict(seq, jpeg, faces))
        assert answer.status_code == 200, answer.content
        device_codes += [v["code"] for v in answer.json()["verdicts"][0]["violations"]]
        server_codes += [v["code"] for v in server.frame(jpeg, seq=seq).json()["violations"]]
        clock.now += 1
    assert device_codes == server_codes == ["face_missing"]
    assert device.post("/end").json()["score"] == server.post("/end").json()["score"] == 95


def test_the_first_verdict_and_every_violation_are_checked_and_an_honest_picture_agrees(
    device, clock, face_jpeg, no_face_jpeg
):
    first = one(device, verdict(1, face_jpeg, [FACE]))
    assert first["reveal"] is True and first["face_status"] == "ok"
    assert reveal(device, 1, face_jpeg).json() == {"seq": 1, "status": "agreed", "violations": []}
    missing = None
    for seq in range(2, 10):
        clock.now += 1
        answer = one(device, verdict(seq, no_face_jpeg, []))
        if answer["violations"]:
            missing = seq
            assert answer["reveal"] is True
            break
    assert missing is not None
    assert reveal(device, missing, no_face_jpeg).json()["status"] == "agreed"
    record = ViolationRecord.objects.get(code="face_missing")
    assert record.evidence_jpeg is not None  # evidence comes from the revealed picture
    assert not ViolationRecord.objects.filter(code__startswith="device_verdict").exists()


def test_a_client_claiming_a_face_that_is_not_there_is_caught(device, no_face_jpeg):
    assert one(device, verdict(1, no_face_jpeg, [FACE]))["reveal"] is True
    outcome = reveal(device, 1, no_face_jpeg).json()
    assert outcome["status"] == "disagreed"
    [notice] = outcome["violations"]
    assert notice["code"] == "device_verdict_mismatch" and notice["notice"] is True
    assert notice["detail"] == {"seq": 1, "device_faces": 1, "server_faces": 0, "reason": "face_count"}
    assert device.get().json()["counts"] == {"device_verdict_mismatch": 1}


def test_a_picture_other_than_the_committed_one_is_a_mismatch(device, face_jpeg, no_face_jpeg):
    send(device, verdict(1, face_jpeg, [FACE]))
    outcome = reveal(device, 1, no_face_jpeg).json()
    assert outcome["status"] == "hash_mismatch"
    assert outcome["violations"][0]["detail"]["reason"] == "hash"
    again = reveal(device, 1, face_jpeg)  # too late: the check is closed
    assert again.status_code == 404 and again.json()["error"]["code"] == "no_reveal_requested"


def test_a_picture_never_sent_becomes_a_notice(device, clock, face_jpeg):
    send(device, verdict(1, face_jpeg, [FACE]))
    clock.now += 121
    send(device, verdict(2, face_jpeg, [FACE]))
    check = VerdictCheck.objects.get(seq=1)
    assert check.status == VerdictCheck.MISSING
    codes = set(ViolationRecord.objects.values_list("code", flat=True))
    assert codes == {"device_verdict_unrevealed", "monitoring_gap"}  # the 121 s without frames is a gap too


def test_about_one_verdict_in_a_hundred_is_sampled_and_violations_always():
    rng = random.Random(7)
    asked = sum(wants_picture(caused=False, first=False, rng=rng) for _ in range(100_000))
    assert 100_000 / SAMPLE_ONE_IN * 0.9 < asked < 100_000 / SAMPLE_ONE_IN * 1.1
    assert all(wants_picture(caused=True, first=False, rng=rng) for _ in range(1000))
    assert all(wants_picture(caused=False, first=True, rng=rng) for _ in range(1000))


def test_an_unsampled_verdict_asks_for_nothing(device, face_jpeg, monkeypatch):
    send(device, verdict(1, face_jpeg, [FACE]))  # the first: always checked
    monkeypatch.setattr(random.Random, "randrange", lambda self, n: 1)  # never sampled
    answer = one(device, verdict(2, face_jpeg, [FACE]))
    assert answer["reveal"] is False and answer["violations"] == []
    assert list(VerdictCheck.objects.values_list("seq", flat=True)) == [1]




def test_a_server_analysis_exam_refuses_verdicts(opened, face_jpeg):
    answer = send(opened, verdict(1, face_jpeg, [FACE]))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "server_analysis_exam"
    assert not VerdictCheck.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": "not-a-hash"},
        {"sha256": "A" * 64},
        {"faces": [FACE] * 33},
        {"faces": [{**FACE, "score": 2}]},
        {"faces": [{**FACE, "yaw_deg": "NaN"}]},
        {"faces": [{**FACE, "evil": 1}]},
        {"width": 0},
        {"quality": "perfect"},
        {"seq": -1},
        {"faces": "one"},
    ],
)
def test_bad_verdicts_get_a_clear_400_and_change_nothing(device, face_jpeg, change):
    answer = send(device, {**verdict(1, face_jpeg, [FACE]), **change})
    assert answer.status_code == 400, answer.content
    assert "error" in answer.json()
    assert not VerdictCheck.objects.exists() and not ViolationRecord.objects.exists()


def test_reveals_refuse_unrequested_seqs_and_non_jpeg_bodies(device, face_jpeg):
    assert reveal(device, 3, face_jpeg).status_code == 404
    send(device, verdict(3, face_jpeg, [FACE]))
    bad = device.client.post(device.url("/verdicts/3/frame"), {"image": "x"}, format="json")
    assert bad.status_code == 415
    garbage = b"\xff\xd8 not really a jpeg"
    VerdictCheck.objects.filter(seq=3).update(sha256=hashlib.sha256(garbage).hexdigest())
    assert reveal(device, 3, garbage).status_code == 400
    assert VerdictCheck.objects.get(seq=3).status == VerdictCheck.REQUESTED


def test_the_session_tells_the_widget_its_analysis_mode(device, opened):
    assert device.get().json()["analysis"] == "device"
    assert opened.get().json()["analysis"] == "server"
