"""The service's settings: one validated object over the ``PROCTOR``, ``PROCTOR_LTI`` and ``PROCTOR_OPS`` settings.

Read them through :func:`proctor_settings` only (DRF's ``api_settings`` pattern): every key has a default, so the
service works inside another Django project that sets none of them; an unknown key or a value of the wrong type
raises ``ImproperlyConfigured`` naming the known keys; the object is rebuilt when one of the three changes
(``override_settings`` and pytest-django's ``settings`` fixture send ``setting_changed``), and so is the plugin
manager when ``PROCTOR`` changes. ``settings.py`` builds the three dicts from the environment.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from proctor_core.imaging import MAX_IMAGE_BYTES


class LtiSettings(BaseModel):
    """``PROCTOR_LTI``: the LTI adapter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    CACHE: str = Field("default", description="Cache alias for the platforms' key sets; shared by every process")
    LOGIN_STATE_LIFETIME_S: float = Field(600, gt=0, description="How long one login's state and nonce stay valid")
    LAUNCH_DATA_LIFETIME_S: float = Field(3600, gt=0, description="How long a launch serves the deep-linking form")
    KEY_SET_CACHE_S: float = Field(600, gt=0, description="How long a platform's public key set is cached")
    HTTP_TIMEOUT_S: float = Field(20, gt=0, description="Timeout of each HTTP request to a platform")
    GRADE_RETRY_BASE_S: float = Field(30, gt=0, description="Grade delivery: first retry after this many seconds")
    GRADE_RETRY_MAX_S: float = Field(3600, gt=0, description="Grade delivery: the retry delay doubles up to this")
    PENDING_MANUAL_FOR_RED: bool = Field(
        False, description="gradingProgress PendingManual for red-band sessions (platforms that show it, e.g. Canvas)"
    )
    TOOL_TITLE: str = Field("Proctor", description="Name of the tool shown in the platform")

    @model_validator(mode="after")
    def _retry_bounds(self) -> LtiSettings:
        if self.GRADE_RETRY_MAX_S < self.GRADE_RETRY_BASE_S:
            raise ValueError(
                f"GRADE_RETRY_MAX_S ({self.GRADE_RETRY_MAX_S:g}) must be at least "
                f"GRADE_RETRY_BASE_S ({self.GRADE_RETRY_BASE_S:g})"
            )
        return self


class OpsSettings(BaseModel):
    """``PROCTOR_OPS``: periodic jobs, health and metrics (docs/operations.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    IDLE_MINUTES: float = Field(30.0, gt=0, description="End sessions with no observation for this long")
    IDLE_SWEEP_S: float = Field(60.0, gt=0, description="How often to look for idle sessions")
    GRADE_SWEEP_S: float = Field(15.0, gt=0, description="How often to send due grades and queue missed results")
    PURGE_EVERY_S: float = Field(3600.0, gt=0, description="How often to purge evidence and expired sessions")
    PRUNE_EVERY_S: float = Field(86400.0, gt=0, description="How often to prune finished task results")
    TASK_RESULT_DAYS: int = Field(7, ge=0, description="Finished task results are kept this many days")
    HEARTBEAT_S: float = Field(30.0, gt=0, description="The periodic process queues a heartbeat task this often")
    HEARTBEAT_MAX_AGE_S: float = Field(120.0, gt=0, description="/health/ready wants a heartbeat run within this")
    METRICS: bool = Field(True, description="Serve /metrics (loopback, or with METRICS_TOKEN)")
    METRICS_TOKEN: str = Field("", description="Bearer token that opens /metrics to other addresses")
    TASK_WORKERS: int = Field(1, ge=1, description="Task worker processes started by proctor serve")


class ProctorSettings(BaseModel):
    """``PROCTOR``: plugins, sessions and the HTTP edge; ``LTI`` and ``OPS`` hold the other two settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    AUTOLOAD_PLUGINS: bool = Field(True, description="Load third-party plugins from the 'proctor' entry-point group")
    BLOCKED_PLUGINS: list[str] = Field(default_factory=list, description="Plugin names not to register")
    EXTRA_PLUGINS: list[str] = Field(default_factory=list, description="Module paths registered as plugins too")
    DEFAULT_EXAM: str = Field("interview", description="Exam slug used when POST /api/v1/sessions names none")
    SESSION_TTL_S: float = Field(12 * 3600, gt=0, description="Lifetime of a session token")
    RESULT_TTL_S: float = Field(3600, ge=0, description="How long the token still reads the result after the end")
    MAX_BODY_BYTES: int = Field(
        MAX_IMAGE_BYTES * 4 // 3 + 16 * 1024, gt=0, description="Largest API body: one frame as base64 JSON"
    )
    FRAME_ANCESTORS: list[str] = Field(
        default_factory=list, description="Origins allowed to frame the tool's pages (the LMS); none by default"
    )
    EXAM_ADDRESS_LOOPBACK_HTTP: bool | None = Field(
        None, description="Exam addresses may be plain http on a loopback host; None: only when DEBUG"
    )
    LTI: LtiSettings = Field(default_factory=LtiSettings)
    OPS: OpsSettings = Field(default_factory=OpsSettings)


SETTING_NAMES = {"PROCTOR": None, "PROCTOR_LTI": "LTI", "PROCTOR_OPS": "OPS"}
"""The Django settings read here, and where each lands in :class:`ProctorSettings`."""


@functools.cache
def proctor_settings() -> ProctorSettings:
    """The validated settings, built on first use and again after one of :data:`SETTING_NAMES` changes.

    :raises ImproperlyConfigured: an unknown key or a bad value; the message names the setting and its known keys.
    """
    values: dict[str, Any] = dict(getattr(settings, "PROCTOR", {}))
    for name, field in SETTING_NAMES.items():
        if field is not None:
            values[field] = getattr(settings, name, {})
    try:
        return ProctorSettings.model_validate(values)
    except ValidationError as exc:
        known = {
            "PROCTOR": [f for f in ProctorSettings.model_fields if f not in SETTING_NAMES.values()],
            "PROCTOR_LTI": list(LtiSettings.model_fields),
            "PROCTOR_OPS": list(OpsSettings.model_fields),
        }
        hint = "; ".join(f"{name}: {', '.join(keys)}" for name, keys in known.items())
        raise ImproperlyConfigured(f"invalid PROCTOR settings ({hint} are known): {exc}") from exc


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting not in SETTING_NAMES:
        return
    proctor_settings.cache_clear()
    if setting == "PROCTOR":
        from django.apps import apps

        if apps.ready:
            from proctor_core.service.apps import service_config

            try:
                service_config().build_plugins()
            except ImproperlyConfigured:
                pass  # reported by proctor_settings() wherever the settings are read


setting_changed.connect(_reload, dispatch_uid="proctor_core.service.conf")
