"""The engine cache: one engine per configuration and plugin manager, never one built with another's plugins."""

from __future__ import annotations

import gc

from proctor_core.config import ExamConfig
from proctor_core.plugins import make_plugin_manager
from proctor_core.service import engines
from proctor_core.service.apps import service_config


def test_same_configuration_shares_one_engine():
    config = ExamConfig.from_preset("exam")
    assert engines.engine_for(config) is engines.engine_for(config.model_dump(mode="json"))
    assert engines.engine_for(config) is not engines.engine_for(ExamConfig.from_preset("interview"))


def test_new_plugin_manager_gets_new_engines_and_old_ones_go():
    """After the plugins are rebuilt (e.g. settings reloaded), no engine of the old manager is reused, and the old
    manager's engines are dropped with it (an ``id()`` key could hand them to a new manager at the same address)."""
    config = ExamConfig(keep_evidence=True)
    app = service_config()
    original = app.plugins
    old = engines.engine_for(config)
    try:
        app.plugins = make_plugin_manager(load_entrypoints=False, blocked=["proctor_builtin_detectors"])
        new = engines.engine_for(config)
        assert new is not old and engines.engine_for(config) is new
        assert new.detectors == [] and "silence" in [active.spec.name for active in old.detectors]
        assert original in engines._ENGINES and app.plugins in engines._ENGINES
        app.plugins = original
        gc.collect()
        assert list(engines._ENGINES.keys()) == [original]
    finally:
        app.plugins = original
