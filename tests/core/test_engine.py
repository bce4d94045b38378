"""Engine semantics, table-driven with a fake clock: DESIGN §5 rules, debounce edges, time handling, scoring."""

from __future__ import annotations

import re

import pytest

from proctor_core.config import DetectorSettings, ExamConfig, PolicySettings
from proctor_core.engine import Engine, SessionState
from proctor_core.errors import ConfigError
from proctor_core.testing import FakeClock, analysis, audio, face, page
from proctor_core.types import ObservationKind, PageEventType, RiskLevel
from proctor_core.wording import clock as clock_text

FRAME, AUDIO, PAGE = ObservationKind.FRAME, ObservationKind.AUDIO, ObservationKind.PAGE


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000.0)


def collect(engine: Engine, clock: FakeClock, events):
    """Feed ``(seconds after start, kind, data)`` in order, from a session starting now; return the violations."""
    state = engine.start()
    start = state.started_at
    violations = []
    for offset, kind, data in events:
        clock.now = start + offset
        outcome = engine.observe(state, kind, data)
        state = outcome.state
        violations += outcome.violations
    return violations


def run(engine: Engine, clock: FakeClock, events):
    """Like :func:`collect`, as ``(seconds after start, code)`` pairs."""
    start = clock.now
    return [(round(v.at - start, 3), v.code) for v in collect(engine, clock, events)]


def frames(times, data):
    return [(t, FRAME, data) for t in times]


ONE, NONE, TWO = analysis(faces=[face()]), analysis(faces=[]), analysis(faces=[face(), face(x=300)])
TURNED = analysis(faces=[face(turned=True, yaw_deg=50)])
DARK_EMPTY = analysis(faces=[], quality="too_dark")


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param(frames([1, 2, 3, 4, 5.99], TWO), [(1, "multiple_faces")], id="multiple_faces once within 5 s"),
        pytest.param(frames([1, 6], TWO), [(1, "multiple_faces"), (6, "multiple_faces")],
                     id="multiple_faces again at exactly 5 s"),
        pytest.param(frames([1], ONE) + frames(range(2, 7), NONE), [], id="face_missing not at exactly 5 s"),
        pytest.param(frames([1], ONE) + frames(range(2, 11), NONE),
                     [(7, "face_missing"), (9, "face_missing")], id="face_missing after 5 s, again after 2 s"),
        pytest.param(frames(range(1, 8), NONE), [(7, "face_missing")], id="face_missing counts from the first frame"),
        pytest.param([(30, FRAME, NONE), (31, AUDIO, audio())], [],
                     id="time before the first observation (consent, device check) is not monitored"),
        pytest.param(frames([1], ONE) + frames(range(2, 20), DARK_EMPTY), [],
                     id="too dark to tell is not face_missing"),
        pytest.param(frames([0], ONE) + frames([1, 2, 3], TURNED), [], id="orientation not before 3 s"),
        pytest.param(frames([0], ONE) + frames(range(1, 10), TURNED),
                     [(4, "face_orientation"), (9, "face_orientation")], id="orientation after 3 s, cooldown 5 s"),
        pytest.param(frames([0], ONE) + frames([1, 2], TURNED) + frames([3], NONE) + frames([4, 5], TURNED),
                     [], id="orientation interrupted by a frame without a single face"),
        pytest.param([(t, AUDIO, audio(silent=False)) for t in (1, 2)] + [(t, AUDIO, audio()) for t in range(3, 20)],
                     [(13, "silence"), (18, "silence")], id="silence after 10 s, again after 5 s"),
        pytest.param([(t, AUDIO, audio()) for t in range(1, 11)], [], id="silence not at exactly 10 s"),
        pytest.param([(10, PAGE, page("tab_hidden")), (10.2, PAGE, page("window_blur")),
                      (15, PAGE, page("tab_visible")), (15.1, PAGE, page("window_focus"))],
                     [(10, "tab_switch")], id="hidden + blur is one tab switch"),
        pytest.param([(10, PAGE, page("window_blur")), (10.3, PAGE, page("window_focus")),
                      (10.6, PAGE, page("tab_hidden"))],
                     [(10, "tab_switch")], id="away signals within 1 s merge across a focus"),
        pytest.param([(10, PAGE, page("window_blur")), (11, PAGE, page("window_focus")),
                      (12.5, PAGE, page("tab_hidden")), (20, PAGE, page("tab_visible"))],
                     [(10, "tab_switch"), (12.5, "tab_switch")], id="two away-episodes are two switches"),
        pytest.param(frames([1, 15], ONE), [(15, "monitoring_gap")], id="monitoring gap over 10 s between frames"),
        pytest.param([(3, PAGE, page("camera_unavailable"))], [(3, "camera_unavailable")], id="camera notice"),
    ],
)
def test_rules(clock, events, expected):
    """Each row of DESIGN §5 and its debounce edges, with the default (interview) rules."""
    engine = Engine(ExamConfig.from_preset("interview"), _plugins(), clock=clock)
    assert run(engine, clock, events) == expected


def _plugins():
    from proctor_core.plugins import make_plugin_manager

    return make_plugin_manager(load_entrypoints=False)


@pytest.fixture
def engine(clock) -> Engine:
    return Engine(ExamConfig.from_preset("interview"), _plugins(), clock=clock)


def test_scoring_example(engine, clock):
    """2 tab switches + 1 face missing = 100 - 16 - 5 = 79, yellow; every row explains itself."""
    events = [(1, FRAME, ONE), (2, PAGE, page("tab_hidden")), (3, PAGE, page("tab_visible")),
              (5, PAGE, page("window_blur")), (6, PAGE, page("window_focus"))]
    violations = collect(engine, clock, events + frames([7, 8], NONE))
    assert [v.code for v in violations] == ["tab_switch", "tab_switch", "face_missing"]
    report = engine.score(violations)
    assert (report.score, report.risk_level) == (79, RiskLevel.YELLOW)
    assert [(p.code, p.points) for p in report.penalties] == [("tab_switch", 8), ("tab_switch", 8), ("face_missing", 5)]
    assert {p.violation_id for p in report.penalties} == {v.id for v in violations}
    assert report.penalties[2].rule == "Costs 5 points each time"
    assert report.penalties[2].reason == f"No face seen for 6 s at {clock_text(violations[2].at)}"
    assert [(line.description, line.rule, line.points) for line in report.receipt] == [
        ("Switched away from the exam tab", "Costs 8 points each time", 8),
        ("Switched away from the exam tab", "Costs 8 points each time", 8),
        ("No face seen for 6 s", "Costs 5 points each time", 5),
    ]


@pytest.mark.parametrize(
    ("points", "score", "band"),
    [(14, 86, RiskLevel.GREEN), (15, 85, RiskLevel.YELLOW), (49, 51, RiskLevel.YELLOW), (50, 50, RiskLevel.RED),
     (100, 0, RiskLevel.RED)],
)
def test_bands(clock, points, score, band):
    """Green above 85, yellow above 50, red at 50 or below; never below 0."""
    config = ExamConfig(detectors={"tab_switch": DetectorSettings(points=points)})
    engine = Engine(config, _plugins(), clock=clock)
    outcome = engine.observe(engine.start(), PAGE, page("tab_hidden"))
    report = engine.score(outcome.violations)
    assert (report.score, report.risk_level) == (score, band)


def test_exam_preset_records_silence_for_zero_points(clock):
    """In the exam preset silence is a recorded notice that costs nothing."""
    engine = Engine(ExamConfig.from_preset("exam"), _plugins(), clock=clock)
    violations = collect(engine, clock, [(t, AUDIO, audio()) for t in range(1, 13)])
    assert [v.code for v in violations] == ["silence"]
    assert engine.score(violations).score == 100


def test_duplicate_seq_changes_nothing(engine, clock):
    """A retried observation (same seq on the same stream) is recognised and logs nothing twice."""
    state = engine.start()
    clock.now += 1
    first = engine.observe(state, FRAME, TWO, seq=7)
    again = engine.observe(first.state, FRAME, TWO, seq=7)
    assert [v.code for v in first.violations] == ["multiple_faces"]
    assert again.duplicate and again.violations == () and again.state == first.state
    other_stream = engine.observe(first.state, PAGE, page("tab_hidden"), seq=7)
    assert not other_stream.duplicate and [v.code for v in other_stream.violations] == ["tab_switch"]


def test_buffered_events_are_judged_when_captured(engine, clock):
    """After an outage, frames captured during it are judged at their capture times, not at arrival."""
    state = engine.start()
    client = lambda server_time: server_time + 3_600.0  # noqa: E731 - the client's clock is an hour ahead
    clock.now = 1_001.0
    state = engine.observe(state, FRAME, ONE, captured_at=client(1_001.0)).state
    clock.now = 1_060.0  # everything captured from 1002 to 1059 arrives now
    fired = []
    for t in range(1_002, 1_060):
        outcome = engine.observe(state, FRAME, NONE, captured_at=client(t))
        state = outcome.state
        fired += [(round(v.at), v.code) for v in outcome.violations]
    assert fired[0] == (1_007, "face_missing")
    assert [at for at, _ in fired] == list(range(1_007, 1_060, 2))
    assert not any(code == "monitoring_gap" for _, code in fired)


@pytest.mark.parametrize(
    ("captured_offsets", "expected_judged"),
    [
        pytest.param([5, 3], [5, 10], id="a stream never moves backwards: out of order is judged on arrival"),
        pytest.param([-50], [10], id="before the session start: judged on arrival"),
        pytest.param([-400, 4], [10, 10], id="older than max_buffer_s: judged on arrival, then never backwards"),
        pytest.param([-200, 4], [10, 10], id="an old capture re-learns the offset (clock jumped back)"),
    ],
)
def test_judged_time_bounds(engine, clock, captured_offsets, expected_judged):
    """Judged times stay in [previous of the stream, now]; a capture time out of bounds is judged when it arrives."""
    state = engine.start()
    clock.now = 1_010.0
    state = engine.observe(state, AUDIO, audio(silent=False), captured_at=1_010.0).state
    judged = []
    for offset in captured_offsets:
        outcome = engine.observe(state, FRAME, ONE, captured_at=1_000.0 + offset)
        state = outcome.state
        judged.append(outcome.judged_at - 1_000.0)
    assert judged == expected_judged


def test_future_capture_is_bounded_by_now(engine, clock):
    """A capture time in the future is judged no later than the server's now."""
    state = engine.start()
    clock.now = 1_005.0
    outcome = engine.observe(state, FRAME, ONE, captured_at=1_005.0)
    later = engine.observe(outcome.state, FRAME, ONE, captured_at=1_500.0)
    assert later.judged_at == 1_005.0


def test_state_survives_json_round_trip(engine, clock):
    """The state the service stores as JSON behaves exactly like the live one."""
    state = engine.start()
    clock.now = 1_001.0
    state = engine.observe(state, FRAME, ONE, seq=1).state
    restored = SessionState.from_json(state.to_json())
    assert restored == state
    for t in range(2, 8):
        clock.now = 1_000.0 + t
        live, stored = engine.observe(state, FRAME, NONE, seq=t), engine.observe(restored, FRAME, NONE, seq=t)
        state, restored = live.state, SessionState.from_json(stored.state.to_json())
        assert [v.code for v in live.violations] == [v.code for v in stored.violations]
    assert restored == state


def test_config_overrides_thresholds_and_disables(clock):
    """Per-exam thresholds, cooldowns and enabling override the registered defaults."""
    config = ExamConfig(detectors={"face_missing": DetectorSettings(threshold_s=2, cooldown_s=10),
                                   "multiple_faces": DetectorSettings(enabled=False)})
    engine = Engine(config, _plugins(), clock=clock)
    fired = run(engine, clock, frames(range(1, 15), NONE) + frames([15], TWO))
    assert fired == [(4, "face_missing"), (14, "face_missing")]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (ExamConfig(detectors={"gaze": DetectorSettings()}), "unknown detector(s) gaze; available: camera_unavailable"),
        (ExamConfig(policy=PolicySettings(name="lenient")),
         "unknown penalty policy 'lenient'; available: capped, episode, flat"),
        (ExamConfig(detectors={"face_orientation": DetectorSettings(options={"max_yaw_deg": 200})}),
         "its options are: max_yaw_deg"),
        (ExamConfig(detectors={"silence": DetectorSettings(options={"x": 1})}), "takes no options"),
    ],
)
def test_bad_config_lists_alternatives(clock, config, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Engine(config, _plugins(), clock=clock)


def test_capped_policy(clock):
    """The capped policy stops charging a code once its cap is reached."""
    config = ExamConfig(policy=PolicySettings(name="capped", options={"cap_per_code": 20}))
    engine = Engine(config, _plugins(), clock=clock)
    switches = [(t, PAGE, page("tab_hidden" if t % 4 == 0 else "tab_visible")) for t in range(4, 20, 2)]
    violations = collect(engine, clock, switches)
    assert [v.code for v in violations] == ["tab_switch"] * 4
    report = engine.score(violations)
    assert [p.points for p in report.penalties] == [8, 8, 4]
    assert report.score == 80
    assert "at most 20 in all" in report.penalties[0].rule


def test_page_event_types_are_the_documented_strings():
    assert {t.value for t in PageEventType} >= {"tab_hidden", "tab_visible", "window_blur", "window_focus"}


def test_last_observed_at_is_the_latest_stream_time(engine, clock):
    """The public accessor ``end_idle_sessions`` reads: ``None`` before any observation, then the latest stream."""
    state = engine.start()
    assert state.last_observed_at is None
    clock.now += 3
    state = engine.observe(state, PAGE, page("tab_hidden")).state
    clock.now += 4
    state = engine.observe(state, AUDIO, audio(silent=False)).state
    assert state.last_observed_at == state.started_at + 7
    assert SessionState.from_json(state.to_json()).last_observed_at == state.started_at + 7


def test_presets_are_the_preset_literal_and_each_builds():
    from typing import get_args

    from proctor_core.config import PRESETS, PresetName

    assert PRESETS == get_args(PresetName) == ("interview", "exam")
    assert [ExamConfig.from_preset(name).preset for name in PRESETS] == list(PRESETS)
    with pytest.raises(ValueError, match="unknown preset 'quiz'; available: interview, exam"):
        ExamConfig.from_preset("quiz")
