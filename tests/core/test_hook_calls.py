"""Hooks are called through pluggy: wrappers, call order, monitoring, pluggy's own checks and the trace switch."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

import pytest

from proctor_core import hookimpl
from proctor_core.errors import PluginError
from proctor_core.plugins import ProctorPlugins, make_plugin_manager
from proctor_core.testing import violation
from proctor_core.types import DetectorSpec, ObservationKind, RiskLevel, ScoreReport, SessionInfo

SESSION = SessionInfo(id="s1", exam="interview", started_at=0.0)
REPORT = ScoreReport(score=92, risk_level=RiskLevel.GREEN, penalties=(), policy="flat")


@pytest.fixture
def build(monkeypatch):
    """Build a plugin manager with in-memory modules registered as extra plugins, in the order given."""

    def make(*mods: types.ModuleType, **kwargs) -> ProctorPlugins:
        for mod in mods:
            monkeypatch.setitem(sys.modules, mod.__name__, mod)
        return make_plugin_manager(load_entrypoints=False, extra_plugins=[m.__name__ for m in mods], **kwargs)

    return make


def plugin(name: str, **functions) -> types.ModuleType:
    mod = types.ModuleType(name)
    for attr, fn in functions.items():
        setattr(mod, attr, fn)
    return mod


def test_wrapper_of_session_scored_runs_around_the_listeners(build):
    """A ``wrapper=True`` implementation of proctor_session_scored runs before and after the plain ones."""
    calls = []

    @hookimpl(wrapper=True)
    def proctor_session_scored(report, session):
        calls.append(("wrapper before", report.score))
        result = yield
        calls.append(("wrapper after", result))
        return result

    def listener(report, session):
        calls.append(("listener", session.id))

    plugins = build(plugin("wrapping", proctor_session_scored=proctor_session_scored),
                    plugin("listening", proctor_session_scored=hookimpl(listener)))
    plugins.session_scored(REPORT, SESSION)
    assert calls == [("wrapper before", 92), ("listener", "s1"), ("wrapper after", [])]


def test_wrapper_of_violation_recorded_sees_no_error_of_a_failing_listener(build):
    """Listeners stay isolated under a wrapper: the failing one is logged, the next runs, the wrapper completes."""
    calls = []

    @hookimpl(wrapper=True)
    def proctor_violation_recorded(violation):
        calls.append("wrapper before")
        yield
        calls.append("wrapper after")

    def failing(violation, session):
        raise RuntimeError("boom")

    plugins = build(plugin("wrapper_plugin", proctor_violation_recorded=proctor_violation_recorded),
                    plugin("ok_listener", proctor_violation_recorded=hookimpl(lambda violation: calls.append("ok"))),
                    plugin("bad_listener", proctor_violation_recorded=hookimpl(failing)))
    plugins.violation_recorded(violation("tab_switch"), SESSION)
    assert calls == ["wrapper before", "ok", "wrapper after"]


def test_listener_registered_after_start_up_is_isolated_too(build, caplog):
    """A listener registered on ``pm`` directly (as tests and embedding code do) does not stop the others either."""
    seen = []
    plugins = build(plugin("early_listener", proctor_session_scored=hookimpl(lambda report: seen.append(report.score))))

    class Late:
        @hookimpl
        def proctor_session_scored(self, session):
            raise RuntimeError(f"late listener broke on {session.id}")

    plugins.pm.register(Late(), name="late")
    plugins.session_scored(REPORT, SESSION)
    plugins.session_scored(REPORT, SESSION)
    assert seen == [92, 92]
    assert caplog.text.count("plugin 'late' failed in proctor_session_scored") == 2
    assert "late listener broke on s1" in caplog.text


def test_failing_wrapper_is_logged_not_raised(build, caplog):
    """A wrapper that raises does not reach the caller (the violation is already saved); the error is logged."""

    @hookimpl(wrapper=True)
    def proctor_session_scored():
        yield
        raise RuntimeError("wrapper broke")

    plugins = build(plugin("bad_wrapper", proctor_session_scored=proctor_session_scored))
    plugins.session_scored(REPORT, SESSION)
    assert "a wrapper of proctor_session_scored failed" in caplog.text
    assert "wrapper broke" in caplog.text


def test_tryfirst_and_trylast_order_the_listeners(build):
    """Plain listeners run last registered first; tryfirst runs before them and trylast after."""
    order = []

    def listener(name: str, **opts):
        return plugin(name, proctor_session_scored=hookimpl(**opts)(lambda: order.append(name)))

    plugins = build(listener("late", trylast=True), listener("plain_1"), listener("early", tryfirst=True),
                    listener("plain_2"))
    plugins.session_scored(REPORT, SESSION)
    assert order == ["early", "plain_2", "plain_1", "late"]


def test_tryfirst_face_finder_wins_over_a_later_plain_one(build):
    class Finder:
        def __init__(self, name):
            self.name = name

    plugins = build(plugin("first_finder", proctor_face_finder=hookimpl(tryfirst=True)(lambda: Finder("first"))),
                    plugin("other_finder", proctor_face_finder=hookimpl(lambda: Finder("other"))))
    assert plugins.face_finder.name == "first"


def test_hookcall_monitoring_records_every_hook(build):
    """``add_hookcall_monitoring`` sees the registration, provider and notification hooks."""
    plugins = build()
    seen = []
    plugins.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: seen.append((name, sorted(kwargs))), lambda outcome, name, impls, kwargs: None
    )
    ProctorPlugins(plugins.pm, {})  # collects the registration records again, now monitored
    _ = plugins.face_finder
    plugins.violation_recorded(violation("tab_switch"), SESSION)
    plugins.session_scored(REPORT, SESSION)
    assert ("proctor_detectors", []) in seen and ("proctor_penalty_policies", []) in seen
    assert seen[-3:] == [("proctor_face_finder", []), ("proctor_violation_recorded", ["session", "violation"]),
                         ("proctor_session_scored", ["report", "session"])]


def test_registration_hook_failure_names_the_plugin(build):
    def broken():
        raise ValueError("no model file")
        yield  # pragma: no cover - makes this a generator, failing when iterated

    with pytest.raises(PluginError, match=r"plugin 'broken_records' failed in proctor_detectors: ValueError"):
        build(plugin("broken_records", proctor_detectors=hookimpl(broken)))


def test_unmarked_helper_named_like_a_hook_is_not_rejected(build):
    """A plain helper called ``proctor_*`` is no hook implementation: the plugin loads and lists only its hooks."""
    spec = DetectorSpec(name="helper_test", consumes=ObservationKind.PAGE, factory=lambda c: None)
    plugins = build(plugin("with_helper", proctor_format_code=lambda code: code.upper(),
                           proctor_detectors=hookimpl(lambda: [spec])))
    listed = {p["name"]: p for p in plugins.listing()["plugins"]}
    assert listed["with_helper"]["hooks"] == ["proctor_detectors"]
    assert listed["with_helper"]["detectors"] == ["helper_test"]


def test_misspelt_hookimpl_is_rejected(build):
    """A marked implementation that matches no hook stops start-up for an extra plugin, naming the hook."""
    with pytest.raises(PluginError, match=r"plugin 'misspelt' is invalid: unknown hook 'proctor_sesion_scored'"):
        build(plugin("misspelt", proctor_sesion_scored=hookimpl(lambda report: None)))


def test_hookimpl_with_an_argument_its_spec_lacks_is_rejected(build):
    expected = r"(?s)plugin 'wrong_args' is invalid: .*Argument\(s\) \{'exam'\} are declared"
    with pytest.raises(PluginError, match=expected):
        build(plugin("wrong_args", proctor_session_scored=hookimpl(lambda report, exam: None)))


def test_optionalhook_and_specname_are_honoured(build):
    """``optionalhook`` lets an unknown hook through; ``specname`` implements a hook under another name."""
    seen = []
    plugins = build(plugin(
        "flexible",
        proctor_future_hook=hookimpl(optionalhook=True)(lambda: None),
        on_scored=hookimpl(specname="proctor_session_scored")(lambda report: seen.append(report.score)),
    ))
    plugins.session_scored(REPORT, SESSION)
    assert seen == [92]
    assert {p["name"]: p["hooks"] for p in plugins.listing()["plugins"]}["flexible"] == [
        "proctor_future_hook", "proctor_session_scored"]


def test_trace_switch_logs_every_hook_call_with_its_duration(build, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="proctor_core.plugins.trace")
    monkeypatch.setenv("PROCTOR_TRACE_PLUGINS", "1")

    def failing(report):
        raise RuntimeError("boom")

    plugins = build(plugin("traced", proctor_session_scored=hookimpl(failing)),
                    plugin("traced_too", proctor_session_scored=hookimpl(lambda: None)))
    plugins.session_scored(REPORT, SESSION)
    lines = [r.getMessage() for r in caplog.records if r.name == "proctor_core.plugins.trace"]
    assert any(line.startswith("proctor_detectors() -> [proctor_builtin_detectors] ") for line in lines)
    last = lines[-1]
    assert last.startswith("proctor_session_scored(report, session) -> [traced_too, traced] ")
    assert float(last.split("] ")[1].split(" ms")[0]) >= 0


def test_trace_is_off_unless_asked(build, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="proctor_core.plugins.trace")
    monkeypatch.setenv("PROCTOR_TRACE_PLUGINS", "0")
    build().session_scored(REPORT, SESSION)
    monkeypatch.delenv("PROCTOR_TRACE_PLUGINS")
    build().session_scored(REPORT, SESSION)
    assert not [r for r in caplog.records if r.name == "proctor_core.plugins.trace"]


def test_trace_logs_a_hook_that_raises(build, caplog):
    caplog.set_level(logging.INFO, logger="proctor_core.plugins.trace")

    class NoFinder(Exception):
        pass

    def finder():
        raise NoFinder("camera model missing")

    plugins = build(plugin("bad_finder", proctor_face_finder=hookimpl(tryfirst=True)(finder)), trace=True)
    with pytest.raises(NoFinder):
        _ = plugins.face_finder
    last = [r.getMessage() for r in caplog.records if r.name == "proctor_core.plugins.trace"][-1]
    assert last.startswith("proctor_face_finder() -> [bad_finder, proctor_vision] ")
    assert last.endswith("raised NoFinder('camera model missing')")


def test_documented_wrapper_example_runs(build, caplog):
    """The wrapper shown in docs/plugins.md runs around the other listeners and logs the score."""
    text = (Path(__file__).parents[2] / "docs" / "plugins.md").read_text()
    section = text.split("## Wrapping a notification hook", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    documented = plugin("documented_wrapper")
    exec(compile(code, "docs/plugins.md", "exec"), documented.__dict__)  # noqa: S102 - our own docs
    seen = []
    caplog.set_level(logging.INFO, logger="documented_wrapper")
    documented.__dict__["log"] = logging.getLogger("documented_wrapper")
    plugins = build(documented, plugin("listener", proctor_session_scored=hookimpl(lambda: seen.append("called"))))
    plugins.session_scored(REPORT, SESSION)
    assert seen == ["called"]
    assert "session s1 scored 92; listeners took" in caplog.text
