"""What a candidate reads about each violation and notice: one plain sentence, no codes, the time apart."""

from __future__ import annotations

import pytest

from proctor_core.types import Violation, ViolationRule
from proctor_core.wording import describe, points_rule, sentence

CASES = [
    ("face_missing", {"lasted_s": 6.2}, "No face seen for 6 s"),
    ("face_missing", {}, "No face seen"),
    ("multiple_faces", {"faces": 2}, "2 people in view"),
    ("multiple_faces", {}, "More than one person in view"),
    ("face_orientation", {"lasted_s": 3.4, "yaw_deg": 50}, "Looked away from the screen for 3 s"),
    ("tab_switch", {"event": "tab_hidden"}, "Switched away from the exam tab"),
    ("silence", {"lasted_s": 30.0, "level": 0.5}, "Silence for 30 s"),
    ("monitoring_gap", {"gap_s": 75.0}, "No camera image reached the server for 1 min 15 s"),
    ("camera_unavailable", {}, "Camera unavailable"),
    ("session_resumed", {}, "Monitoring page reopened; the session resumed"),
    ("observations_lost", {"lost": {"frames": 3, "audio": 1}, "count": 4},
     "4 observations could not be delivered and were lost (3 camera frames, 1 microphone report)"),
    ("observations_lost", {"lost": {"events": 1}, "count": 1},
     "1 observation could not be delivered and was lost (1 page event)"),
    ("observations_lost", {}, "Some observations could not be delivered and were lost"),
    ("gaze_away", {"yaw_deg": 40}, "Gaze away"),  # a plugin's code: spelled out
]


@pytest.mark.parametrize(("code", "detail", "words"), CASES)
def test_each_record_reads_as_plain_words(code, detail, words):
    assert describe(code, detail) == words


def test_a_sentence_says_when_in_utc():
    violation = Violation(code="face_missing", at=1_700_000_000 + 27, rule=ViolationRule(), detail={"lasted_s": 6})
    assert sentence(violation) == "No face seen for 6 s at 22:13:47 UTC"


def test_the_rule_says_what_it_costs():
    assert (points_rule(5), points_rule(1), points_rule(2.5)) == (
        "Costs 5 points each time", "Costs 1 point each time", "Costs 2.5 points each time"
    )
