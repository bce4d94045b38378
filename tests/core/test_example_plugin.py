"""A third-party plugin, installed as a package through its entry point, is loaded, runs and can be blocked."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proctor_core.config import DetectorSettings, ExamConfig
from proctor_core.engine import Engine
from proctor_core.plugins import make_plugin_manager
from proctor_core.testing import FakeClock, analysis, face
from proctor_core.types import ObservationKind

EXAMPLE = Path(__file__).parent.parent / "example_plugin"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory):
    """pip-install the example package into a private folder and put it on sys.path."""
    target, source = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("src") / "proctor-gaze"
    shutil.copytree(EXAMPLE, source)  # build from a copy: building writes into the source tree
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, capture_output=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("proctor_gaze", None)
    importlib.invalidate_caches()


def test_entry_point_plugin_is_loaded_and_listed(installed_example):
    plugins = make_plugin_manager()
    assert "gaze_away" in plugins.detectors
    listed = {p["name"]: p for p in plugins.listing()["plugins"]}
    assert listed["gaze"]["source"] == "entrypoint"
    assert listed["gaze"]["version"] == "1.0.0"
    assert listed["gaze"]["detectors"] == ["gaze_away"]


def test_entry_point_plugin_runs_in_the_engine(installed_example):
    clock = FakeClock(100.0)
    config = ExamConfig(detectors={"gaze_away": DetectorSettings(options={"max_yaw_deg": 20})})
    engine = Engine(config, make_plugin_manager(), clock=clock)
    state, fired = engine.start(), []
    for t in range(1, 6):
        clock.now = 100.0 + t
        outcome = engine.observe(state, ObservationKind.FRAME, analysis(faces=[face(yaw_deg=25)]))
        state, fired = outcome.state, fired + [v.code for v in outcome.violations]
    assert "gaze_away" in fired


def test_entry_point_plugin_can_be_blocked(installed_example):
    plugins = make_plugin_manager(blocked=["gaze"])
    assert "gaze_away" not in plugins.detectors
    assert {p["name"]: p for p in plugins.listing()["plugins"]}["gaze"]["blocked"] is True


def test_autoload_can_be_disabled(installed_example):
    plugins = make_plugin_manager(load_entrypoints=False)
    assert "gaze_away" not in plugins.detectors
