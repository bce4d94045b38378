"""The contract helpers of ``proctor_core.testing`` catch the mistakes they are there for."""

from __future__ import annotations

import sys
import types

import pytest

from proctor_core import hookimpl
from proctor_core.plugins import make_plugin_manager
from proctor_core.testing import DetectorContract, analysis, face
from proctor_core.types import DetectorSpec, ObservationKind, Signal


class _TouchesFaces:
    """Reports one face as present, but nudges the face box it was given (a frozen dataclass, changed anyway)."""

    def __init__(self, config):
        pass

    def observe(self, observation):
        faces = observation.data.faces
        if faces:
            object.__setattr__(faces[0], "x", faces[0].x + 1)
        return Signal(active=bool(faces))


class _LeavesFacesAlone(_TouchesFaces):
    def observe(self, observation):
        return Signal(active=bool(observation.data.faces))


def _contract(factory, monkeypatch) -> tuple[type[DetectorContract], DetectorSpec]:
    mod = types.ModuleType("proctor_contract_probe")
    mod.proctor_detectors = hookimpl(
        lambda: [DetectorSpec(name="probe", consumes=ObservationKind.FRAME, factory=factory)])
    monkeypatch.setitem(sys.modules, mod.__name__, mod)

    class Probe(DetectorContract):
        plugin, name = mod, "probe"
        cases = ((analysis(faces=[face()]), True), (analysis(faces=[]), False))

    spec = make_plugin_manager(load_entrypoints=False, extra_plugins=[mod.__name__]).detectors["probe"]
    return Probe, spec


def test_contract_fails_a_detector_that_changes_its_input(monkeypatch):
    """A detector changing a face inside the frame it was given fails ``test_cases``, though the frame is frozen."""
    probe, spec = _contract(_TouchesFaces, monkeypatch)
    with pytest.raises(AssertionError, match="observe\\(\\) changed its input"):
        probe().test_cases(spec)


def test_contract_passes_the_same_detector_without_the_change(monkeypatch):
    probe, spec = _contract(_LeavesFacesAlone, monkeypatch)
    probe().test_cases(spec)
    probe().test_record_is_valid(make_plugin_manager(load_entrypoints=False, extra_plugins=[probe.plugin.__name__]))
