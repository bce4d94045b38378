"""The plugin manager: built-ins listed in code, third parties from the ``proctor`` entry-point group.

:func:`make_plugin_manager` builds a fresh manager (there is no global one); :class:`ProctorPlugins` is the typed
facade the rest of the framework calls, so nothing outside this module calls untyped ``pm.hook.*``.

Every hook is called through pluggy's hook callers, so ``wrapper=True`` implementations, ``tryfirst``/``trylast``
and :meth:`pluggy.PluginManager.add_hookcall_monitoring` work as pluggy documents them.

Loading rules:

- a third-party plugin that fails to import, or whose hook implementations pluggy rejects (a marked
  ``proctor_*`` function that matches no hook and is not ``optionalhook``, or an argument its hook does not
  have), is logged, skipped and listed with its error; a built-in or extra plugin doing so stops start-up;
- a duplicate detector or policy name, or a registration record that does not validate, stops start-up with a
  :class:`~proctor_core.errors.PluginError` naming the plugins involved;
- ``PROCTOR_TRACE_PLUGINS=1`` in the environment logs every hook call (the implementations called, in order, and
  its duration) on the ``proctor_core.plugins.trace`` logger.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy
from pydantic import ValidationError

from proctor_core import PROJECT_NAME, __version__, hookspecs
from proctor_core.errors import PluginError
from proctor_core.types import (
    DetectorSpec,
    FaceFinder,
    ObservationKind,
    PolicySpec,
    ScoreReport,
    SessionInfo,
    Violation,
)

log = logging.getLogger(__name__)
trace_log = logging.getLogger(f"{__name__}.trace")

TRACE_ENV = "PROCTOR_TRACE_PLUGINS"
"""Environment variable: ``1`` logs every hook call with the implementations called and its duration."""

_ISOLATED = "_proctor_isolated"

BUILTIN_PLUGINS: tuple[str, ...] = (
    "proctor_builtin_detectors",
    "proctor_builtin_policies",
    "proctor_vision",
)
"""Module paths of the built-in plugins, registered exactly as third-party plugins are."""

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One plugin as listed by ``GET /api/v1/plugins``."""

    name: str
    version: str | None
    source: str  # "builtin", "entrypoint" or "setting"
    hooks: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    blocked: bool = False
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "hooks": list(self.hooks),
            "detectors": list(self.detectors),
            "policies": list(self.policies),
            "blocked": self.blocked,
            "error": self.error,
        }


class ProctorPlugins:
    """Typed facade over the pluggy manager: registries, the face finder, notifications and the listing."""

    def __init__(self, pm: pluggy.PluginManager, infos: Mapping[str, PluginInfo]) -> None:
        self.pm = pm
        self.detectors: Mapping[str, DetectorSpec] = self._collect_detectors()
        self.policies: Mapping[str, PolicySpec] = self._collect_policies()
        self._infos = {name: self._with_registrations(info) for name, info in infos.items()}
        self._face_finder: FaceFinder | None = None

    # -- registries -------------------------------------------------------------------------------------------------

    def _records(self, hook_name: str, kind: type) -> list[tuple[str, Any]]:
        """Call a registration hook through pluggy, one plugin at a time, so each record keeps its plugin's name."""
        hook: pluggy.HookCaller = getattr(self.pm.hook, hook_name)
        impls = hook.get_hookimpls()
        records = []
        for impl in impls:
            if impl.wrapper or impl.hookwrapper:
                continue
            others = [other.plugin for other in impls if other.plugin is not impl.plugin]
            try:
                results = self.pm.subset_hook_caller(hook_name, remove_plugins=others)()
                items = [item for result in results for item in (result or ())]
            except Exception as exc:
                raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook_name}: {exc!r}") from exc
            for item in items:
                if not isinstance(item, kind):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: {hook_name} must yield {kind.__name__} records, got {item!r}"
                    )
                records.append((impl.plugin_name, item))
        return records

    def _check_record(self, plugin: str, spec: DetectorSpec | PolicySpec, seen: dict[str, str], what: str) -> None:
        if not _NAME_RE.match(spec.name):
            raise PluginError(f"plugin {plugin!r}: {what} name {spec.name!r} must be snake_case (a-z, 0-9, _)")
        if spec.name in seen:
            raise PluginError(
                f"duplicate {what} name {spec.name!r} from plugins {seen[spec.name]!r} and {plugin!r}; "
                f"block one of them (PROCTOR BLOCKED_PLUGINS) or rename it"
            )
        if not callable(spec.factory):
            raise PluginError(f"plugin {plugin!r}: {what} {spec.name!r} has a factory that is not callable")
        if spec.config_model is not None:
            try:
                spec.config_model()
            except ValidationError as exc:
                raise PluginError(
                    f"plugin {plugin!r}: {what} {spec.name!r} has a config model whose defaults do not validate: {exc}"
                ) from exc
        seen[spec.name] = plugin

    def _collect_detectors(self) -> dict[str, DetectorSpec]:
        seen: dict[str, str] = {}
        detectors: dict[str, DetectorSpec] = {}
        for plugin, spec in self._records("proctor_detectors", DetectorSpec):
            self._check_record(plugin, spec, seen, "detector")
            if not isinstance(spec.consumes, ObservationKind):
                raise PluginError(
                    f"plugin {plugin!r}: detector {spec.name!r} consumes {spec.consumes!r}; "
                    f"use one of {', '.join(k.value for k in ObservationKind)}"
                )
            detectors[spec.name] = spec
        self._detector_owner = seen
        return dict(sorted(detectors.items()))

    def _collect_policies(self) -> dict[str, PolicySpec]:
        seen: dict[str, str] = {}
        policies: dict[str, PolicySpec] = {}
        for plugin, spec in self._records("proctor_penalty_policies", PolicySpec):
            self._check_record(plugin, spec, seen, "policy")
            policies[spec.name] = spec
        self._policy_owner = seen
        return dict(sorted(policies.items()))

    def _with_registrations(self, info: PluginInfo) -> PluginInfo:
        return PluginInfo(
            name=info.name,
            version=info.version,
            source=info.source,
            hooks=info.hooks,
            detectors=tuple(n for n, owner in self._detector_owner.items() if owner == info.name),
            policies=tuple(n for n, owner in self._policy_owner.items() if owner == info.name),
            blocked=info.blocked,
            error=info.error,
        )

    # -- face finder ------------------------------------------------------------------------------------------------

    @property
    def face_finder(self) -> FaceFinder:
        """The process's face finder (first non-``None`` ``proctor_face_finder`` result), built once."""
        if self._face_finder is None:
            finder = self.pm.hook.proctor_face_finder()
            if finder is None:
                raise PluginError(
                    "no face finder is installed: unblock 'proctor_vision' or install a plugin "
                    "implementing proctor_face_finder"
                )
            self._face_finder = finder
        return self._face_finder

    # -- notifications ----------------------------------------------------------------------------------------------

    def violation_recorded(self, violation: Violation, session: SessionInfo) -> None:
        """Call ``proctor_violation_recorded``; no error reaches the caller (each one is logged)."""
        _isolate_listeners(self.pm.hook.proctor_violation_recorded)
        try:
            self.pm.hook.proctor_violation_recorded(violation=violation, session=session)
        except Exception:
            log.exception("a wrapper of proctor_violation_recorded failed")

    def session_scored(self, report: ScoreReport, session: SessionInfo) -> None:
        """Call ``proctor_session_scored``; no error reaches the caller (each one is logged)."""
        _isolate_listeners(self.pm.hook.proctor_session_scored)
        try:
            self.pm.hook.proctor_session_scored(report=report, session=session)
        except Exception:
            log.exception("a wrapper of proctor_session_scored failed")

    # -- listing ----------------------------------------------------------------------------------------------------

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """Every plugin considered at start-up (loaded, blocked or failed), and the registered detectors, policies."""
        return {
            "plugins": [info.to_json() for info in self._infos.values()],
            "detectors": [
                {
                    "name": spec.name,
                    "plugin": self._detector_owner[spec.name],
                    "consumes": spec.consumes.value,
                    "notice": spec.notice,
                    "description": spec.description or describe_factory(spec.factory),
                    "default_rule": spec.default_rule.to_json(),
                    "default_points": spec.default_points,
                }
                for spec in self.detectors.values()
            ],
            "policies": [
                {
                    "name": spec.name,
                    "plugin": self._policy_owner[spec.name],
                    "description": spec.description or describe_factory(spec.factory),
                }
                for spec in self.policies.values()
            ],
        }


def _hook_names(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    return tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))


def _isolate_listeners(hook: pluggy.HookCaller) -> None:
    """Make a notification hook's implementations log their errors instead of stopping the other plugins.

    pluggy stops a hook call at the first exception; for notifications the documented contract is that every
    listener runs. Done before each call, so plugins registered on ``pm`` later are isolated too. Wrappers
    (``wrapper=True``) are left as they are: they see the call's result, never an error of a plain implementation.
    """
    for impl in hook.get_hookimpls():
        if not (impl.wrapper or impl.hookwrapper or getattr(impl.function, _ISOLATED, False)):
            # Final for pluggy's typing only: the impl keeps its argnames and its place in the call order.
            impl.function = _logging_errors(impl.function, impl.plugin_name, hook.name)  # type: ignore[misc]


def _logging_errors(function: Callable[..., Any], plugin_name: str, hook_name: str) -> Callable[..., None]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except Exception:
            log.exception("plugin %r failed in %s", plugin_name, hook_name)

    setattr(call, _ISOLATED, True)
    return call


def trace_hook_calls(pm: pluggy.PluginManager) -> Callable[[], None]:
    """Log every hook call on ``proctor_core.plugins.trace``: the implementations in call order and the duration.

    Uses :meth:`pluggy.PluginManager.add_hookcall_monitoring`; returns the function that stops tracing. When the
    logger has no handler configured, one writing to stderr at INFO is added, so the switch alone shows the trace.
    """
    if not trace_log.hasHandlers():
        trace_log.addHandler(logging.StreamHandler(sys.stderr))
    if trace_log.getEffectiveLevel() > logging.INFO:
        trace_log.setLevel(logging.INFO)
    starts = threading.local()

    def before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]) -> None:
        starts.stack = [*getattr(starts, "stack", []), time.perf_counter()]

    def after(
        outcome: pluggy.Result[object], hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]
    ) -> None:
        started = starts.stack.pop()
        called = ", ".join(impl.plugin_name for impl in reversed(impls))
        failed = f"; raised {outcome.exception!r}" if outcome.exception is not None else ""
        trace_log.info("%s(%s) -> [%s] %.2f ms%s", hook_name, ", ".join(kwargs), called,
                       (time.perf_counter() - started) * 1000, failed)

    return pm.add_hookcall_monitoring(before, after)


def _version_of(module_name: str) -> str | None:
    top = module_name.split(".")[0]
    for dist in metadata.packages_distributions().get(top, []):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    blocked: Iterable[str] = (),
    extra_plugins: Iterable[str] = (),
    trace: bool | None = None,
) -> ProctorPlugins:
    """Build a plugin manager: specs, built-ins, ``extra_plugins`` (module paths), then entry points.

    :param load_entrypoints: load third-party plugins from the ``proctor`` entry-point group.
    :param blocked: plugin names (built-in module paths or entry-point names) not to register.
    :param extra_plugins: module paths to register as well, e.g. the LTI adapter's hooks.
    :param trace: log every hook call (:func:`trace_hook_calls`); ``None`` reads ``PROCTOR_TRACE_PLUGINS``.
    :raises PluginError: on duplicate names, invalid registration records, or a built-in or extra plugin whose
        hook implementations pluggy rejects.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if trace is None:
        trace = os.environ.get(TRACE_ENV, "") not in ("", "0")
    if trace:
        trace_hook_calls(pm)
    blocked = set(blocked)
    infos: dict[str, PluginInfo] = {}

    def register(name: str, source: str, load: Any, version: str | None) -> None:
        if name in blocked:
            pm.set_blocked(name)
            infos[name] = PluginInfo(name=name, version=version, source=source, blocked=True)
            return
        try:
            plugin = load()
        except Exception as exc:
            if source != "entrypoint":
                raise PluginError(f"cannot import plugin {name!r}: {exc!r}") from exc
            log.exception("cannot load plugin %r from the %r entry-point group", name, PROJECT_NAME)
            infos[name] = PluginInfo(name=name, version=version, source=source, error=f"import failed: {exc!r}")
            return
        if pm.get_plugin(name) is not None or pm.is_registered(plugin):
            raise PluginError(f"plugin {name!r} is registered twice; check BUILTIN_PLUGINS, extras and entry points")
        try:
            pm.register(plugin, name=name)
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if pm.is_registered(plugin):
                pm.unregister(plugin)
            if source != "entrypoint":
                raise PluginError(f"plugin {name!r} is invalid: {exc}") from exc
            log.error("skipping plugin %r: %s", name, exc)
            infos[name] = PluginInfo(name=name, version=version, source=source, error=str(exc))
            return
        infos[name] = PluginInfo(name=name, version=version, source=source, hooks=_hook_names(pm, plugin))

    for module_path in BUILTIN_PLUGINS:
        register(module_path, "builtin", lambda m=module_path: importlib.import_module(m), __version__)
    for module_path in extra_plugins:
        register(module_path, "setting", lambda m=module_path: importlib.import_module(m), _version_of(module_path))
    if load_entrypoints:
        for ep in sorted(metadata.entry_points(group=PROJECT_NAME), key=lambda e: e.name):
            version = ep.dist.version if ep.dist is not None else None
            register(ep.name, "entrypoint", ep.load, version)
    return ProctorPlugins(pm, infos)


def describe_factory(factory: Any) -> str:
    """First docstring line of a detector or policy factory, the summary shown in listings and docs."""
    doc = inspect.getdoc(factory) or ""
    return doc.splitlines()[0] if doc else ""
