"""Coverage and notices through the API and the result page: an unwatched session is never "100, green"."""

from __future__ import annotations

import json
import re

from django.test import Client

from proctor_core.config import ExamConfig
from proctor_core.service import api
from proctor_core.service.models import Exam, ProctoringSession


def result_page(opened) -> dict:
    """What the result page carries for its receipt renderer (the JSON beside ``#proctor-result``)."""
    html = Client().get(api.result_url(ProctoringSession.objects.get(pk=opened.id))).content.decode()
    return json.loads(re.search(r'id="proctor-result-data"[^>]*>(.*?)</script>', html).group(1))


def test_no_device_session_ends_yellow_for_review_everywhere(opened, clock):
    """The issue's probe: camera and microphone denied, the candidate waits ten minutes and ends."""
    clock.now += 1
    for event in ("camera_unavailable", "microphone_unavailable"):
        assert opened.post("/events", {"type": event}).status_code == 200
    clock.now += 600
    live = opened.get().json()
    assert live["coverage"]["camera_s"] == 0 and live["coverage"]["monitored_s"] == 600
    assert live["needs_review"] is None  # decided when the session is scored

    result = opened.post("/end").json()
    assert (result["score"], result["risk_level"], result["needs_review"]) == (100, "yellow", True)
    assert result["coverage"]["camera_share"] == 0 and result["coverage"]["gaps"] == 1
    assert result["review_reasons"] == [
        "The camera never worked during the 10 min monitored, so nothing could be seen or heard through it."
    ]
    assert sorted(n.split(" at ")[0] for n in result["notices"]) == ["Camera unavailable", "Microphone unavailable"]
    assert opened.post("/end").json() == result  # idempotent, from the stored report

    detail = opened.get().json()
    assert (detail["needs_review"], detail["coverage"], detail["notices"]) == (True, result["coverage"],
                                                                                result["notices"])
    assert result_page(opened)["report"] == result, "the result page draws the API's report"
    assert sorted((line["description"], line["rule"], line["notice"]) for line in result["receipt"]) == [
        ("Camera unavailable", "Notice: no points", True),
        ("Microphone unavailable", "Notice: no points", True),
    ]


def test_a_watched_session_stays_green_with_its_coverage(opened, clock, face_jpeg):
    start = clock.now
    for t in range(1, 31):
        clock.now = start + t
        assert opened.frame(face_jpeg, seq=t).status_code == 200
        assert opened.post("/audio", {"is_silent": False, "seq": t}).status_code == 200
    result = opened.post("/end").json()
    assert (result["score"], result["risk_level"], result["needs_review"]) == (100, "green", False)
    assert result["coverage"]["camera_share"] == 1.0 and result["coverage"]["summary"].endswith("no gap")
    assert result["notices"] == [] and result["review_reasons"] == []


def test_exam_preset_silence_is_a_notice_in_the_answer_and_on_the_receipt(open_session, clock, face_jpeg):
    opened = open_session(exam="exam")
    start = clock.now
    answers = []
    for t in range(1, 14):
        clock.now = start + t
        opened.frame(face_jpeg)
        answers += opened.post("/audio", {"is_silent": True}).json()["violations"]
    assert [(v["code"], v["notice"]) for v in answers] == [("silence", True)]
    result = opened.post("/end").json()
    assert (result["score"], result["penalties"]) == (100, [])
    assert len(result["notices"]) == 1 and result["notices"][0].startswith("Silence for 11 s at ")
    assert result["notices"][0].endswith(" UTC (notice, no points)")
    [line] = result["receipt"]
    assert (line["description"], line["points"], line["notice"]) == ("Silence for 11 s", 0, True)
    assert result_page(opened)["report"]["receipt"] == [line]


def test_exams_and_lms_links_saved_before_notices_keep_silence_a_notice(open_session, clock, face_jpeg):
    """An exam row written by the old exam preset (silence: 0 points, no notice field) runs silence as a notice."""
    old_style = ExamConfig.from_preset("exam").model_dump(mode="json")
    old_style["detectors"]["silence"] = {"points": 0}
    Exam.objects.filter(slug="exam").update(config=old_style)
    opened = open_session(exam="exam")
    start = clock.now
    answers = []
    for t in range(1, 14):
        clock.now = start + t
        answers += opened.post("/audio", {"is_silent": True}).json()["violations"]
    assert [(v["code"], v["notice"]) for v in answers] == [("silence", True)]
