"""Test helpers for plugin authors: builders, a fake clock, and contract tests every plugin should pass.

Opt in from a plugin's own test suite::

    # conftest.py
    pytest_plugins = ["proctor_core.testing"]

    # test_gaze.py
    from proctor_core.testing import DetectorContract, analysis, face
    import proctor_gaze

    class TestGazeAway(DetectorContract):
        plugin = proctor_gaze
        name = "gaze_away"
        cases = [(analysis(faces=[face(yaw_deg=50)]), True), (analysis(faces=[face(yaw_deg=5)]), False)]

The contract checks the registration record and runs each case through the detector; the fixtures give a fresh
plugin manager with the plugin registered (``proctor_plugins``) and an engine clock you set by hand (``fake_clock``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

import pytest

from proctor_core.plugins import BUILTIN_PLUGINS, ProctorPlugins, make_plugin_manager
from proctor_core.types import (
    AudioSample,
    CaptureQuality,
    DetectorSpec,
    FaceBox,
    FrameAnalysis,
    Observation,
    ObservationData,
    ObservationKind,
    PageEvent,
    PageEventType,
    Penalty,
    PolicySpec,
    Signal,
    Violation,
    ViolationRule,
)


class FakeClock:
    """A clock for :class:`~proctor_core.engine.Engine` that only moves when told: ``clock.now += 5``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- builders ---------------------------------------------------------------------------------------------------------


def face(
    *, x: float = 200, y: float = 120, size: float = 160, score: float = 0.9,
    yaw_deg: float | None = None, turned: bool | None = None,
) -> FaceBox:
    """A face box; ``turned`` defaults to ``abs(yaw_deg) > 30`` when a yaw is given."""
    if turned is None and yaw_deg is not None:
        turned = abs(yaw_deg) > 30
    return FaceBox(x=x, y=y, width=size, height=size, score=score, yaw_deg=yaw_deg, turned=turned)


def analysis(
    *, faces: Sequence[FaceBox] = (), width: int = 640, height: int = 480, quality: str = "ok"
) -> FrameAnalysis:
    """A frame analysis as the face finder would return it."""
    return FrameAnalysis(faces=tuple(faces), width=width, height=height, quality=CaptureQuality(quality))


def audio(*, silent: bool = True, level: float | None = None) -> AudioSample:
    """One second of microphone activity as the widget reports it."""
    return AudioSample(is_silent=silent, level=level)


def page(event_type: str) -> PageEvent:
    """A page event, e.g. ``page("tab_hidden")``."""
    return PageEvent(type=PageEventType(event_type))


def observation(data: ObservationData, *, at: float = 0.0, since_previous_s: float | None = 1.0) -> Observation:
    """Wrap data as the observation a detector receives; the kind follows from the data's type."""
    kind = {
        FrameAnalysis: ObservationKind.FRAME, AudioSample: ObservationKind.AUDIO, PageEvent: ObservationKind.PAGE
    }[type(data)]
    return Observation(kind=kind, at=at, data=data, since_previous_s=since_previous_s)


def violation(
    code: str, *, at: float = 0.0, rule: ViolationRule = ViolationRule(), notice: bool = False
) -> Violation:
    """A recorded violation (or notice), for policy tests."""
    return Violation(code=code, at=at, rule=rule, notice=notice)


# -- fixtures ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_clock() -> FakeClock:
    """A fresh :class:`FakeClock` at t = 1,000,000 s."""
    return FakeClock(1_000_000.0)


@pytest.fixture
def proctor_plugins(request: pytest.FixtureRequest) -> ProctorPlugins:
    """A fresh plugin manager with the built-ins and the test class's ``plugin`` module registered by path."""
    plugin = getattr(request.cls, "plugin", None)
    extra = (plugin.__name__,) if isinstance(plugin, ModuleType) and plugin.__name__ not in BUILTIN_PLUGINS else ()
    return make_plugin_manager(load_entrypoints=False, extra_plugins=extra)


# -- contracts --------------------------------------------------------------------------------------------------------


def _records(plugin: ModuleType, hook: str) -> list[Any]:
    impl = getattr(plugin, hook, None)
    assert impl is not None, f"{plugin.__name__} does not implement {hook}"
    return list(impl())


class DetectorContract:
    """Checks one detector of a plugin. Set ``plugin`` (module), ``name`` and ``cases``.

    ``cases`` is a list of ``(data, expected)``: ``data`` as built by :func:`analysis`, :func:`audio` or
    :func:`page`; ``expected`` ``True``/``False`` for the signal's ``active``, or ``None`` for no signal.
    """

    plugin: ClassVar[ModuleType]
    name: ClassVar[str]
    cases: ClassVar[Sequence[tuple[ObservationData, bool | None]]] = ()

    @pytest.fixture
    def spec(self, proctor_plugins: ProctorPlugins) -> DetectorSpec:
        return proctor_plugins.detectors[self.name]

    def test_record_is_valid(self, proctor_plugins: ProctorPlugins) -> None:
        """The plugin registers the detector under a snake_case name, consuming a known kind."""
        names = [r.name for r in _records(self.plugin, "proctor_detectors")]
        assert self.name in names
        spec = proctor_plugins.detectors[self.name]
        assert isinstance(spec.consumes, ObservationKind)
        assert spec.default_points >= 0 and spec.default_rule.cooldown_s >= 0

    def test_default_config_builds(self, spec: DetectorSpec) -> None:
        """The detector builds from its default configuration."""
        config = spec.config_model() if spec.config_model is not None else None
        assert hasattr(spec.factory(config), "observe")

    def test_cases(self, spec: DetectorSpec) -> None:
        """Each case gives the expected signal, and the input is left unchanged."""
        assert self.cases, "give at least one case"
        config = spec.config_model() if spec.config_model is not None else None
        detector = spec.factory(config)
        for data, expected in self.cases:
            before = copy.deepcopy(data)  # deep: a frame's faces are objects of their own
            signal = detector.observe(observation(data))
            assert signal is None or isinstance(signal, Signal), f"observe() returned {signal!r}"
            got = None if signal is None else signal.active
            assert got == expected, f"{data!r}: expected {expected}, got {got}"
            assert data == before, "observe() changed its input"

    def test_other_face_counts_do_not_crash(self, spec: DetectorSpec) -> None:
        """A frame detector answers for 0, 1 and 2 faces without raising."""
        if spec.consumes is not ObservationKind.FRAME:
            pytest.skip("not a frame detector")
        config = spec.config_model() if spec.config_model is not None else None
        detector = spec.factory(config)
        for faces in ([], [face()], [face(), face(x=400)]):
            signal = detector.observe(observation(analysis(faces=faces)))
            assert signal is None or isinstance(signal, Signal)


class PolicyContract:
    """Checks one penalty policy of a plugin. Set ``plugin`` (module) and ``name``."""

    plugin: ClassVar[ModuleType]
    name: ClassVar[str]
    points: ClassVar[dict[str, float]] = {"multiple_faces": 10, "tab_switch": 8, "face_missing": 5}

    @pytest.fixture
    def policy(self, proctor_plugins: ProctorPlugins) -> Any:
        spec: PolicySpec = proctor_plugins.policies[self.name]
        return spec.factory(spec.config_model() if spec.config_model is not None else None)

    def test_record_is_valid(self, proctor_plugins: ProctorPlugins) -> None:
        names = [r.name for r in _records(self.plugin, "proctor_penalty_policies")]
        assert self.name in names

    def test_penalises_only_given_violations(self, policy: Any) -> None:
        """Every row names a given violation, has points >= 0 and explains its rule and reason."""
        given = [violation("tab_switch", at=1), violation("face_missing", at=2), violation("unknown_code", at=3)]
        rows = policy.penalties(given, self.points)
        assert all(isinstance(r, Penalty) for r in rows)
        assert {r.violation_id for r in rows} <= {v.id for v in given}
        assert all(r.points >= 0 and r.rule and r.reason for r in rows)

    def test_notices_cost_nothing(self, policy: Any) -> None:
        """The engine gives a notice's code 0 points; a policy must not charge it anyway."""
        notice = violation("silence", at=1, notice=True)
        rows = policy.penalties([notice], {**self.points, "silence": 0.0})
        assert all(r.points == 0 for r in rows)

    def test_no_violations_no_penalties(self, policy: Any) -> None:
        assert policy.penalties([], self.points) == []

