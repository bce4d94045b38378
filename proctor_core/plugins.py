"""The plugin manager: built-ins listed in code, third parties from the ``proctor`` entry-point group.

:func:`make_plugin_manager` builds a fresh manager (there is no global one); :class:`ProctorPlugins` is the typed
facade the rest of the framework calls, so nothing outside this module calls untyped ``pm.hook.*``.

Loading rules:

- a third-party plugin that fails to import, or defines ``proctor_*`` functions that match no hook, is logged,
  skipped and listed with its error;
- a duplicate detector or policy name, or a registration record that does not validate, stops start-up with a
  :class:`~proctor_core.errors.PluginError` naming the plugins involved.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
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


@dataclass
class _Loaded:
    infos: dict[str, PluginInfo] = field(default_factory=dict)


class ProctorPlugins:
    """Typed facade over the pluggy manager: registries, the face finder, notifications and the listing."""

    def __init__(self, pm: pluggy.PluginManager, infos: Mapping[str, PluginInfo]) -> None:
        self.pm = pm
        self.detectors: Mapping[str, DetectorSpec] = self._collect_detectors()
        self.policies: Mapping[str, PolicySpec] = self._collect_policies()
        self._infos = {name: self._with_registrations(info) for name, info in infos.items()}
        self._face_finder: FaceFinder | None = None

    # -- registries -------------------------------------------------------------------------------------------------

    def _records(self, hook: pluggy.HookCaller, kind: type) -> list[tuple[str, Any]]:
        records = []
        for impl in hook.get_hookimpls():
            try:
                result = impl.function()
                items = list(result or ())
            except Exception as exc:
                raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook.name}: {exc!r}") from exc
            for item in items:
                if not isinstance(item, kind):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: {hook.name} must yield {kind.__name__} records, got {item!r}"
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
        for plugin, spec in self._records(self.pm.hook.proctor_detectors, DetectorSpec):
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
        for plugin, spec in self._records(self.pm.hook.proctor_penalty_policies, PolicySpec):
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

    def _notify(self, hook: pluggy.HookCaller, **kwargs: Any) -> None:
        """Call every implementation; one that raises is logged and does not stop the others."""
        for impl in reversed(hook.get_hookimpls()):
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception:
                log.exception("plugin %r failed in %s", impl.plugin_name, hook.name)

    def violation_recorded(self, violation: Violation, session: SessionInfo) -> None:
        self._notify(self.pm.hook.proctor_violation_recorded, violation=violation, session=session)

    def session_scored(self, report: ScoreReport, session: SessionInfo) -> None:
        self._notify(self.pm.hook.proctor_session_scored, report=report, session=session)

    # -- listing ----------------------------------------------------------------------------------------------------

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """Every plugin considered at start-up (loaded, blocked or failed), and the registered detectors and policies."""
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


def _hook_names(module: ModuleType | object) -> tuple[str, ...]:
    return tuple(sorted(n for n in dir(module) if n.startswith(f"{PROJECT_NAME}_") and callable(getattr(module, n))))


def _unknown_hooks(module: ModuleType | object) -> list[str]:
    known = {n for n in dir(hookspecs) if n.startswith(f"{PROJECT_NAME}_")}
    return [n for n in _hook_names(module) if n not in known]


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
) -> ProctorPlugins:
    """Build a plugin manager: specs, built-ins, ``extra_plugins`` (module paths), then entry points.

    :param load_entrypoints: load third-party plugins from the ``proctor`` entry-point group.
    :param blocked: plugin names (built-in module paths or entry-point names) not to register.
    :param extra_plugins: module paths to register as well, e.g. the LTI adapter's hooks.
    :raises PluginError: on duplicate names or invalid registration records.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
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
        unknown = _unknown_hooks(plugin)
        if unknown:
            error = f"defines {', '.join(unknown)}, which match no proctor hook"
            if source != "entrypoint":
                raise PluginError(f"plugin {name!r} {error}")
            log.error("skipping plugin %r: %s", name, error)
            infos[name] = PluginInfo(name=name, version=version, source=source, error=error)
            return
        if pm.get_plugin(name) is not None or pm.is_registered(plugin):
            raise PluginError(f"plugin {name!r} is registered twice; check BUILTIN_PLUGINS, extras and entry points")
        pm.register(plugin, name=name)
        infos[name] = PluginInfo(name=name, version=version, source=source, hooks=_hook_names(plugin))

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
