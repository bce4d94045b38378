"""Pure parts of the adapter: roles, the rules parameter, the gradebook comment, settings checks."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from lms_adapter import exam_params, grades
from lms_adapter.roles import LIS, LaunchRole, launch_role
from proctor_core.config import DetectorSettings, ExamConfig
from proctor_core.errors import ConfigError
from proctor_core.types import Coverage, Penalty, RiskLevel, ScoreReport


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([LIS + "membership#Learner"], LaunchRole.LEARNER),
        ([LIS + "membership/Learner#Learner"], LaunchRole.LEARNER),
        ([LIS + "membership#Instructor"], LaunchRole.INSTRUCTOR),
        ([LIS + "membership#Learner", LIS + "membership/Instructor#TeachingAssistant"], LaunchRole.INSTRUCTOR),
        ([LIS + "system/person#Administrator"], LaunchRole.INSTRUCTOR),
        ([LIS + "institution/person#Instructor", LIS + "membership#Learner"], LaunchRole.LEARNER),
        ([LIS + "institution/person#Instructor"], LaunchRole.NONE),
        (["Instructor"], LaunchRole.NONE),
        ([], LaunchRole.NONE),
    ],
)
def test_launch_role(roles, expected):
    """Full LIS URIs of the course decide; an institution role alone says nothing about this course."""
    assert launch_role(roles) is expected


def test_rules_parameter_round_trip_is_compact():
    config = ExamConfig.from_preset("exam").model_copy(
        update={
            "detectors": {"silence": DetectorSettings(notice=True), "tab_switch": DetectorSettings(points=12)},
            "keep_evidence": True,
        }
    )
    value = exam_params.encode(config)

    assert exam_params.decode(value) == config
    assert len(value) < 200
    assert "=" not in value


@pytest.mark.parametrize("value", ["%%%", "bm90IGpzb24", "eyJwcmVzZXQiOiJub3BlIn0"])
def test_invalid_rules_parameter(value):
    with pytest.raises(ConfigError, match="proctor_exam"):
        exam_params.decode(value)


def test_exam_slug_is_per_resource_link():
    slug = exam_params.exam_slug("https://moodle.example.org", "abc", "1", "11")

    assert slug == exam_params.exam_slug("https://moodle.example.org", "abc", "1", "11")
    assert slug != exam_params.exam_slug("https://moodle.example.org", "abc", "1", "12")
    assert len(slug) <= 100


def test_comment_summarises_the_deductions():
    penalties = (
        Penalty("a", "tab_switch", 8, "r", "w"),
        Penalty("b", "face_missing", 5, "r", "w"),
        Penalty("c", "tab_switch", 8, "r", "w"),
    )
    report = ScoreReport(score=79, risk_level=RiskLevel.YELLOW, penalties=penalties, policy="flat")

    assert grades.summarise(report) == (
        "Integrity score 79/100 (yellow). Deductions: 2 × tab switch (−16); 1 × face missing (−5)."
    )
    clean = ScoreReport(100, RiskLevel.GREEN, (), "flat")
    assert grades.summarise(clean) == "Integrity score 100/100 (green). No deductions."
    unwatched = ScoreReport(100, RiskLevel.YELLOW, (), "flat", coverage=Coverage(600, 0, 0, 1, 600),
                            review_reasons=("The camera never worked.",))
    assert grades.summarise(unwatched) == (
        "Integrity score 100/100 (yellow). No deductions. Coverage: camera 0%, microphone 0% of 10 min monitored;"
        " 1 gap, the longest 10 min. Needs review: The camera never worked."
    )


def test_unknown_setting_is_a_check_error(settings):
    settings.PROCTOR_LTI = {"PENDING_MANUAL": True}

    assert "lms_adapter.E001" in [message.id for message in run_checks()]
