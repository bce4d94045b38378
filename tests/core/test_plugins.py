"""The plugin manager: built-ins, duplicates, broken plugins, the face finder and notifications."""

from __future__ import annotations

import types
from importlib import metadata

import pytest

from proctor_core import hookimpl
from proctor_core.errors import PluginError
from proctor_core.plugins import BUILTIN_PLUGINS, make_plugin_manager
from proctor_core.testing import FakeClock, violation
from proctor_core.types import (
    DetectorSpec,
    FrameAnalysis,
    ObservationKind,
    PolicySpec,
    RiskLevel,
    ScoreReport,
    SessionInfo,
)


def module(name: str, **hooks) -> types.ModuleType:
    mod = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(mod, hook_name, hookimpl(fn))
    return mod


@pytest.fixture
def extra_module(monkeypatch):
    """Make in-memory modules importable by path, as ``extra_plugins`` expects."""

    def add(mod: types.ModuleType) -> str:
        monkeypatch.setitem(__import__("sys").modules, mod.__name__, mod)
        return mod.__name__

    return add


def test_builtins_register_the_documented_codes():
    plugins = make_plugin_manager(load_entrypoints=False)
    assert {"multiple_faces", "tab_switch", "face_missing", "silence", "face_orientation"} <= set(plugins.detectors)
    assert {"monitoring_gap", "camera_unavailable", "microphone_unavailable"} <= set(plugins.detectors)
    assert {"flat", "capped"} <= set(plugins.policies)
    assert [p["name"] for p in plugins.listing()["plugins"]] == list(BUILTIN_PLUGINS)


def test_hook_proctor_detectors_duplicate_name_stops_startup(extra_module):
    dup = module("dup_plugin", proctor_detectors=lambda: [
        DetectorSpec(name="silence", consumes=ObservationKind.AUDIO, factory=lambda c: None)])
    with pytest.raises(PluginError, match="duplicate detector name 'silence' from plugins 'proctor_builtin_detectors'"):
        make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(dup)])


def test_hook_proctor_penalty_policies_duplicate_name_stops_startup(extra_module):
    dup = module("dup_policy", proctor_penalty_policies=lambda: [PolicySpec(name="flat", factory=lambda c: None)])
    with pytest.raises(PluginError, match="duplicate policy name 'flat'"):
        make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(dup)])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("not a record", "must yield DetectorSpec records"),
        (DetectorSpec(name="Bad-Name", consumes=ObservationKind.FRAME, factory=lambda c: None), "must be snake_case"),
        (DetectorSpec(name="bad_kind", consumes="video", factory=lambda c: None), "use one of frame, audio, page"),
    ],
)
def test_invalid_records_stop_startup(extra_module, record, message):
    bad = module("bad_plugin", proctor_detectors=lambda: [record])
    with pytest.raises(PluginError, match=message):
        make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(bad)])


def test_blocking_a_builtin_removes_its_records():
    plugins = make_plugin_manager(load_entrypoints=False, blocked=["proctor_builtin_policies"])
    assert plugins.policies == {}
    assert any(p["blocked"] for p in plugins.listing()["plugins"])


def test_broken_entry_point_is_listed_not_fatal(monkeypatch):
    """A third-party plugin that fails to import is logged, skipped and listed with its error."""
    broken = metadata.EntryPoint(name="broken", value="proctor_no_such_module", group="proctor")
    typo = metadata.EntryPoint(name="typo", value="proctor_typo_plugin", group="proctor")
    monkeypatch.setitem(__import__("sys").modules, "proctor_typo_plugin",
                        module("proctor_typo_plugin", proctor_detector=lambda: []))
    monkeypatch.setattr(metadata, "entry_points", lambda group: [broken, typo] if group == "proctor" else [])
    plugins = make_plugin_manager()
    listed = {p["name"]: p for p in plugins.listing()["plugins"]}
    assert "import failed" in listed["broken"]["error"]
    assert listed["typo"]["error"] == "unknown hook 'proctor_detector' in plugin <module 'proctor_typo_plugin'>"
    assert listed["typo"]["hooks"] == []
    assert "silence" in plugins.detectors


class _Finder:
    def __init__(self, name):
        self.name = name

    def find(self, frame):
        return FrameAnalysis(faces=(), width=1, height=1)


def test_hook_proctor_face_finder_installed_finder_wins_over_builtin(extra_module):
    mine = module("my_finder", proctor_face_finder=lambda: _Finder("mine"))
    plugins = make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(mine)])
    assert plugins.face_finder.name == "mine"


def test_no_face_finder_is_a_clear_error():
    plugins = make_plugin_manager(load_entrypoints=False, blocked=["proctor_vision"])
    with pytest.raises(PluginError, match="no face finder is installed"):
        _ = plugins.face_finder


SESSION = SessionInfo(id="s1", exam="interview", started_at=0.0)


def test_hook_proctor_violation_recorded_reaches_every_plugin_despite_one_failing(extra_module):
    seen = []

    def failing(violation, session):
        raise RuntimeError("boom")

    first = module("listener_a", proctor_violation_recorded=failing)
    second = module("listener_b", proctor_violation_recorded=lambda violation: seen.append(violation.code))
    plugins = make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(first), extra_module(second)])
    plugins.violation_recorded(violation("tab_switch"), SESSION)
    assert seen == ["tab_switch"]


def test_hook_proctor_session_scored_gets_report_and_session(extra_module):
    seen = []
    listener = module("score_listener", proctor_session_scored=lambda report, session: seen.append((report, session)))
    plugins = make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(listener)])
    report = ScoreReport(score=92, risk_level=RiskLevel.GREEN, penalties=(), policy="flat")
    plugins.session_scored(report, SESSION)
    assert seen == [(report, SESSION)]


def test_detector_crash_is_isolated(extra_module):
    """A detector that raises comes back as a failure in the outcome; the other detectors still run."""
    from proctor_core.config import ExamConfig
    from proctor_core.engine import Engine
    from proctor_core.testing import analysis, face

    class Crashing:
        def __init__(self, config):
            pass

        def observe(self, observation):
            raise ValueError("bad model")

    crash = module("crash_plugin", proctor_detectors=lambda: [
        DetectorSpec(name="crashy", consumes=ObservationKind.FRAME, factory=Crashing)])
    plugins = make_plugin_manager(load_entrypoints=False, extra_plugins=[extra_module(crash)])
    clock = FakeClock(0.0)
    engine = Engine(ExamConfig(), plugins, clock=clock)
    clock.now = 1.0
    outcome = engine.observe(engine.start(at=0.0), ObservationKind.FRAME, analysis(faces=[face(), face(x=300)]))
    assert [f.detector for f in outcome.failures] == ["crashy"]
    assert "ValueError: bad model" in outcome.failures[0].error
    assert [v.code for v in outcome.violations] == ["multiple_faces"]
