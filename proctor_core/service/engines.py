"""One engine per exam configuration, shared by the requests of a process, and the service clock.

Engines keep no per-session state (the session row does), so one engine serves every session with the same
configuration; building it validates the configuration against the loaded plugins.
"""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from proctor_core.config import ExamConfig
from proctor_core.engine import Engine
from proctor_core.errors import ConfigError
from proctor_core.plugins import ProctorPlugins
from proctor_core.service.apps import service_config

_ENGINES: weakref.WeakKeyDictionary[ProctorPlugins, dict[str, Engine]] = weakref.WeakKeyDictionary()
"""Engines by plugin manager, then by configuration JSON: a new plugin manager (settings reloaded) never gets an
engine built with the detectors of an old one, and the old one's engines go with it."""
_MAX_ENGINES = 256


clock: Callable[[], float] = time.time
"""The service's time source, POSIX seconds; replaceable (tests set a fake clock to make timing exact)."""


def now() -> float:
    """Server time in POSIX seconds, from :data:`clock`."""
    return clock()


def parse_config(config: Mapping[str, Any] | ExamConfig) -> ExamConfig:
    """An :class:`ExamConfig` from its stored JSON.

    :raises ConfigError: the JSON does not validate (the details list the errors).
    """
    if isinstance(config, ExamConfig):
        return config
    try:
        return ExamConfig.model_validate(config)
    except ValidationError as exc:
        raise ConfigError(
            f"invalid exam configuration: {exc.error_count()} error(s); fields: {', '.join(ExamConfig.model_fields)}",
            details=exc.errors(include_url=False, include_context=False, include_input=False),
        ) from exc


def engine_for(config: Mapping[str, Any] | ExamConfig) -> Engine:
    """The engine for an exam configuration, built on first use.

    :raises ConfigError: the configuration names unknown detectors or policies, or has invalid options.
    """
    plugins = service_config().plugins
    stored = config.model_dump(mode="json") if isinstance(config, ExamConfig) else config
    key = json.dumps(stored, sort_keys=True)
    engines = _ENGINES.setdefault(plugins, {})
    engine = engines.get(key)
    if engine is None:
        engine = Engine(parse_config(config), plugins, clock=now)
        if len(engines) >= _MAX_ENGINES:
            engines.clear()
        engines[key] = engine
    return engine
