"""Episodes rebuilt from recorded violations, and the ``episode`` policy that deducts once per episode."""

import pytest
from test_engine import NONE, ONE, TWO, _plugins, collect, frames

from proctor_core.config import ExamConfig, PolicySettings
from proctor_core.engine import Engine
from proctor_core.episodes import episodes
from proctor_core.testing import FakeClock, page
from proctor_core.types import ObservationKind, RiskLevel, Violation, ViolationRule

THRESHOLD = ViolationRule(threshold_s=5, cooldown_s=2)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000.0)


def _engine(clock, preset="exam", **policy) -> Engine:
    config = ExamConfig.from_preset(preset)
    if policy:
        config = config.model_copy(update={"policy": PolicySettings(name="episode", options=policy)})
    return Engine(config, _plugins(), clock=clock)


def absence(seconds: int, *, after: int = 0):
    """A face at ``after``, then none for ``seconds`` frames, then a face again."""
    missing = frames(range(after + 1, after + seconds + 1), NONE)
    return frames([after], ONE) + missing + frames([after + seconds + 1], ONE)


@pytest.mark.parametrize(("seconds", "flat_points"), [(12, 20), (20, 40), (60, 140)])
def test_one_deduction_per_continuous_absence(clock, seconds, flat_points):
    """The exam preset charges a continuous absence once; the interview preset keeps the original repeated rule."""
    violations = collect(_engine(clock), clock, absence(seconds))
    assert len(violations) > 1
    report = _engine(clock).score(violations)
    assert [row.points for row in report.penalties] == [5]
    assert "once per continuous episode" in report.penalties[0].rule
    assert f"({seconds} s, {len(violations)} detections counted once)" in report.penalties[0].reason
    interview = _engine(clock, preset="interview")
    assert interview.score(violations).score == max(0, 100 - flat_points)
    assert interview.score(violations).policy == "flat"


def test_two_absences_are_two_episodes(clock):
    """A face seen between two absences splits them."""
    violations = collect(_engine(clock), clock, absence(12) + absence(12, after=20))
    groups = episodes(violations)
    assert [len(g.violations) for g in groups] == [4, 4]
    assert _engine(clock).score(violations).score == 90


def test_length_scaling_and_cap(clock):
    """``per_second`` adds points for how long an episode went on; ``max_per_episode`` caps it."""
    violations = collect(_engine(clock), clock, absence(20))
    scaled = _engine(clock, per_second=0.5).score(violations)
    assert [row.points for row in scaled.penalties] == [5 + 0.5 * 14]
    assert "plus 0.5 per second" in scaled.penalties[0].rule
    capped = _engine(clock, per_second=0.5, max_per_episode=8).score(violations)
    assert [row.points for row in capped.penalties] == [8]


def test_at_once_rule_groups_within_cooldown(clock):
    """Several faces for 12 s (fired every 5 s) is one episode; a second visitor 30 s later is another."""
    events = frames(range(1, 13), TWO) + frames(range(13, 43), ONE) + frames([43, 44], TWO)
    violations = collect(_engine(clock), clock, events)
    assert [v.code for v in violations] == ["multiple_faces"] * 4
    assert [len(g.violations) for g in episodes(violations)] == [3, 1]
    assert _engine(clock).score(violations).score == 80


def test_tab_switch_episodes_are_the_engines(clock):
    """Away episodes are already counted by the engine: each tab_switch is one deduction."""
    events = [(1, ObservationKind.PAGE, page("tab_hidden")), (2, ObservationKind.PAGE, page("tab_visible")),
              (3, ObservationKind.PAGE, page("tab_hidden"))]
    violations = collect(_engine(clock), clock, events)
    assert len(episodes(violations)) == 2
    report = _engine(clock).score(violations)
    assert (report.score, report.risk_level) == (84, RiskLevel.YELLOW)


@pytest.mark.parametrize("lasted", ["7", -1, True, None])
def test_hostile_lasted_values_count_as_at_once(lasted):
    """A ``lasted_s`` that is not a non-negative number never moves an episode's start."""
    v = Violation(code="face_missing", at=50.0, rule=THRESHOLD, detail={"lasted_s": lasted})
    (episode,) = episodes([v])
    assert (episode.start, episode.end) == (50.0, 50.0)


def test_bad_policy_options_are_refused(clock):
    """The policy's options are validated when the exam is loaded."""
    from proctor_core.errors import ConfigError

    with pytest.raises(ConfigError, match="per_second, max_per_episode"):
        _engine(clock, per_second=-1)


