"""Monitoring coverage and the exam's coverage rule: an unwatched session is never "100, green"."""

from __future__ import annotations

import pytest

from proctor_core.config import CoverageRule, DetectorSettings, ExamConfig
from proctor_core.coverage import DeviceTrack, measure_coverage
from proctor_core.engine import Engine, SessionState
from proctor_core.errors import PluginError
from proctor_core.plugins import make_plugin_manager
from proctor_core.scoring import build_report, coverage_reasons, describe_notice
from proctor_core.testing import FakeClock, analysis, audio, face, page
from proctor_core.types import Coverage, ObservationKind, Penalty, RiskLevel, Violation, ViolationRule, duration

FRAME, AUDIO, PAGE = ObservationKind.FRAME, ObservationKind.AUDIO, ObservationKind.PAGE
START = 1_000.0
ONE, DARK = analysis(faces=[face()]), analysis(faces=[], quality="too_dark")


def sitting(events, *, end: float, config: ExamConfig | None = None):
    """Feed (seconds after start, kind, data) and end at ``end``: (coverage, report, violations)."""
    clock = FakeClock(START)
    engine = Engine(config or ExamConfig.from_preset("interview"), make_plugin_manager(load_entrypoints=False),
                    clock=clock)
    state = engine.start()
    violations = []
    for offset, kind, data in sorted(events, key=lambda event: event[0]):
        clock.now = START + offset
        outcome = engine.observe(state, kind, data, captured_at=clock.now)
        state, violations = outcome.state, violations + list(outcome.violations)
    state = SessionState.from_json(state.to_json())  # what the service stores
    covered = engine.coverage(state, START + end)
    return covered, engine.score(violations, covered), violations


def frames(times, data=ONE):
    return [(float(t), FRAME, data) for t in times]


def sounds(times):
    return [(t + 0.5, AUDIO, audio(silent=False)) for t in times]


def test_a_fully_watched_session_is_green_with_full_coverage() -> None:
    covered, report, _ = sitting(frames(range(1, 61)) + sounds(range(1, 60)), end=60.5)
    assert covered == Coverage(monitored_s=59.5, camera_s=59.5, microphone_s=59.5, gaps=0, longest_gap_s=0.0,
                               camera_frames=60, microphone_reports=59)
    assert covered.camera_share == 1.0
    assert (report.score, report.risk_level, report.needs_review) == (100, RiskLevel.GREEN, False)
    assert report.to_json()["coverage"]["camera_share"] == 1.0
    assert covered.summary() == "camera 100%, microphone 100% of 1 min monitored; no gap"


def test_no_device_session_ends_yellow_and_needs_review() -> None:
    """The issue's probe: camera and microphone denied; only the device notices arrive."""
    events = [(1.0, PAGE, page("camera_unavailable")), (1.1, PAGE, page("microphone_unavailable"))]
    covered, report, violations = sitting(events, end=600)
    assert [v.code for v in violations] == ["camera_unavailable", "microphone_unavailable"]
    assert (covered.camera_s, covered.microphone_s, covered.gaps) == (0, 0, 1)
    assert (covered.camera_frames, covered.microphone_reports) == (0, 0)
    assert covered.longest_gap_s == covered.monitored_s == 599
    assert report.score == 100  # nothing was recorded against the candidate ...
    assert report.risk_level is RiskLevel.YELLOW  # ... but nothing could have been
    assert report.needs_review
    assert report.review_reasons == ("The camera never worked during the 9 min 59 s monitored, so nothing could be "
                                     "seen or heard through it.",)
    assert sorted(n.split(" at ")[0] for n in report.notices) == ["Camera unavailable", "Microphone unavailable"]


def test_a_session_with_no_observation_at_all_is_measured_from_its_start() -> None:
    covered, report, _ = sitting([], end=120)
    assert (covered.monitored_s, covered.camera_s, covered.gaps, covered.longest_gap_s) == (120, 0, 1, 120)
    assert report.risk_level is RiskLevel.YELLOW and report.needs_review


def test_partial_coverage_below_the_minimum() -> None:
    covered, report, _ = sitting(frames(range(1, 31)), end=101)  # the camera stops after 30 s of 100
    assert covered.camera_s == pytest.approx(29.0)
    assert (covered.gaps, covered.longest_gap_s) == (1, 71)
    assert covered.summary() == "camera 29%, microphone 0% of 1 min 40 s monitored; 1 gap, the longest 1 min 11 s"
    assert report.risk_level is RiskLevel.YELLOW
    assert report.review_reasons == ("The camera covered 29% of the 1 min 40 s monitored; this exam requires 80%.",)


def test_one_frame_then_nothing_is_covered_0_percent_not_never() -> None:
    covered, report, _ = sitting(frames([1]), end=61)
    assert (covered.camera_frames, covered.camera_s) == (1, 0)
    assert report.review_reasons == ("The camera covered 0% of the 1 min monitored; this exam requires 80%.",)


def test_coverage_around_the_minimum() -> None:
    covered, report, _ = sitting(frames(range(1, 81)), end=89)  # 79 s covered + 9 s tail (within max_gap_s)
    assert (covered.camera_share, report.risk_level) == (1.0, RiskLevel.GREEN)
    covered, report, _ = sitting(frames(range(1, 71)), end=90)  # 69 of 89 s: 77.5%
    assert covered.camera_share == pytest.approx(69 / 89)
    assert report.risk_level is RiskLevel.YELLOW
    rule = CoverageRule(min_camera_coverage=0.75)
    assert coverage_reasons(covered, rule) == ()


def test_a_covered_lens_gives_frames_but_no_coverage() -> None:
    covered, report, _ = sitting(frames(range(1, 11)) + frames(range(11, 61), DARK), end=60)
    assert covered.camera_s == pytest.approx(9.0)
    assert report.needs_review and "covered 15%" in report.review_reasons[0]


def test_gaps_inside_at_the_start_and_at_the_end() -> None:
    events = [(0.5, PAGE, page("tab_visible"))] + frames(range(20, 41)) + frames(range(70, 81))
    covered, _, _ = sitting(events, end=100)
    assert covered.gaps == 3  # 0.5-20 at the start, 40-70 inside, 80-100 at the end
    assert covered.longest_gap_s == 30
    assert covered.camera_s == pytest.approx(30.0)


def test_short_interruptions_are_covered_longer_ones_are_gaps() -> None:
    covered, _, _ = sitting(frames([1, 11, 21.5]), end=21.5)  # 10 s apart: covered; 10.5 s: a gap
    assert (covered.camera_s, covered.gaps, covered.longest_gap_s) == (10, 1, 10.5)


def test_a_red_or_yellow_session_keeps_its_band_and_gains_the_reason() -> None:
    config = ExamConfig(detectors={"tab_switch": DetectorSettings(points=60)})
    _, report, _ = sitting([(1, PAGE, page("tab_hidden"))], end=50, config=config)
    assert (report.score, report.risk_level) == (40, RiskLevel.RED)
    assert report.needs_review


def test_the_rule_can_be_turned_off_and_can_require_the_microphone() -> None:
    off = ExamConfig(coverage=CoverageRule(min_camera_coverage=0))
    _, report, _ = sitting([], end=60, config=off)
    assert (report.risk_level, report.needs_review) == (RiskLevel.GREEN, False)
    mic = ExamConfig(coverage=CoverageRule(min_microphone_coverage=0.5))
    _, report, _ = sitting(frames(range(1, 61)) + sounds(range(1, 11)), end=60, config=mic)
    assert report.review_reasons == ("The microphone covered 16% of the 59 s monitored; this exam requires 50%.",)


def test_buffered_frames_within_the_window_count_as_covered() -> None:
    clock = FakeClock(START)
    engine = Engine(ExamConfig.from_preset("interview"), make_plugin_manager(load_entrypoints=False), clock=clock)
    state = engine.start()
    clock.now = START + 1
    state = engine.observe(state, FRAME, ONE, captured_at=START + 1).state
    clock.now = START + 60  # an outage: the frames of seconds 2-59 arrive now
    for t in range(2, 61):
        state = engine.observe(state, FRAME, ONE, captured_at=START + t).state
    covered = engine.coverage(state, START + 60)
    assert (covered.camera_s, covered.gaps) == (59, 0)


def test_without_a_coverage_report_the_rule_is_not_applied() -> None:
    engine = Engine(ExamConfig(), make_plugin_manager(load_entrypoints=False), clock=FakeClock(START))
    report = engine.score([])
    assert (report.coverage, report.risk_level, report.review_reasons) == (None, RiskLevel.GREEN, ())


def test_device_track_json_round_trip() -> None:
    track = DeviceTrack(first_at=1.0, last_at=9.0, covered_s=6.0, gaps=1, longest_gap_s=12.5)
    assert DeviceTrack.from_json(track.to_json()) == track
    assert Coverage.from_json(measure_coverage({"camera": track}, start=0, end=9, max_gap_s=10).to_json()).gaps == 1


@pytest.mark.parametrize(("seconds", "words"), [(0, "0 s"), (59.4, "59 s"), (60, "1 min"), (725, "12 min 5 s"),
                                                 (3600, "1 h"), (3780, "1 h 3 min")])
def test_duration_in_words(seconds: float, words: str) -> None:
    assert duration(seconds) == words


# -- notices are the exam's decision ----------------------------------------------------------------------------------


def test_exam_preset_records_silence_as_a_notice_in_words() -> None:
    silent = [(t + 0.5, AUDIO, audio()) for t in range(1, 14)]
    covered, report, violations = sitting(frames(range(1, 15)) + silent, end=14, config=ExamConfig.from_preset("exam"))
    assert [(v.code, v.notice) for v in violations] == [("silence", True)]
    assert (report.score, report.penalties, report.risk_level) == (100, (), RiskLevel.GREEN)
    assert report.notices == ("Silence for 11 s at 00:16:52 UTC (notice, no points)",)


def test_interview_preset_penalises_silence() -> None:
    silent = [(t + 0.5, AUDIO, audio()) for t in range(1, 14)]
    _, report, violations = sitting(frames(range(1, 15)) + silent, end=14)
    assert [(v.code, v.notice) for v in violations] == [("silence", False)]
    assert (report.score, report.notices) == (95, ())


def test_any_detector_can_be_made_a_notice_and_then_costs_nothing() -> None:
    config = ExamConfig(detectors={"tab_switch": DetectorSettings(notice=True)})
    _, report, violations = sitting([(1, PAGE, page("tab_hidden")), (5, PAGE, page("tab_visible"))] + frames([1]),
                                    end=5, config=config)
    assert [(v.code, v.notice) for v in violations] == [("tab_switch", True)]
    assert report.score == 100 and report.notices[0].startswith("Switched away from the exam tab at ")


def test_a_built_in_notice_can_be_made_a_violation() -> None:
    config = ExamConfig(detectors={"camera_unavailable": DetectorSettings(notice=False, points=30)})
    _, report, violations = sitting([(1, PAGE, page("camera_unavailable"))], end=5, config=config)
    assert violations[0].notice is False and report.score == 70


@pytest.mark.parametrize(
    ("config", "notice"),
    [
        ({"preset": "exam", "detectors": {"silence": {"points": 0}}}, True),  # what the exam preset wrote before
        ({"preset": "exam", "detectors": {"silence": {"points": 0.0, "notice": None, "enabled": True}}}, True),
        ({"preset": "exam", "detectors": {"silence": {"points": 0, "notice": False}}}, False),
        ({"preset": "exam", "detectors": {"silence": {"points": 5}}}, None),
        ({"preset": "interview", "detectors": {"silence": {"points": 0}}}, None),
        ({"preset": "exam", "detectors": {}}, None),
    ],
)
def test_older_exam_preset_configs_read_silence_as_a_notice(config, notice) -> None:
    settings = ExamConfig.model_validate(config).detectors.get("silence")
    assert (settings.notice if settings else None) is notice


@pytest.mark.parametrize("detectors", [["silence"], "x", None])
def test_odd_detectors_values_fail_validation_not_the_upgrade(detectors) -> None:
    with pytest.raises(ValueError):
        ExamConfig.model_validate({"preset": "exam", "detectors": detectors})


def test_a_notice_with_points_is_refused() -> None:
    with pytest.raises(ValueError, match="a notice costs no points"):
        DetectorSettings(notice=True, points=5)


def test_a_policy_that_charges_a_notice_is_a_plugin_error() -> None:
    notice = Violation(code="silence", at=START, rule=ViolationRule(), notice=True)
    with pytest.raises(PluginError, match="charged points for notice"):
        build_report([Penalty(notice.id, "silence", 5, "rule", "reason")], [notice], policy="greedy")


def test_notice_words_for_a_plugin_code() -> None:
    notice = Violation(code="gaze_away", at=START, rule=ViolationRule(), notice=True)
    assert describe_notice(notice) == "Gaze away at 00:16:40 UTC (notice, no points)"

