"""Settings of the LTI adapter: one optional dict, ``PROCTOR_LTI``, over the defaults of
:class:`~proctor_core.service.conf.LtiSettings` (validated with the service's other settings).

::

    PROCTOR_LTI = {"PENDING_MANUAL_FOR_RED": True}

The service's settings build it from the environment with :func:`from_environ`: ``PROCTOR_LTI_<KEY>`` for each key
(``PROCTOR_LTI_PENDING_MANUAL_FOR_RED=1``). An unknown key is reported by the system check ``lms_adapter.E001``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from proctor_core.service.conf import LtiSettings, proctor_settings
from proctor_core.service.environ import env_bool, env_float, env_str

DEFAULTS: dict[str, Any] = LtiSettings().model_dump()
"""Every key with its default; the types, bounds and descriptions are :class:`LtiSettings`'s."""


def lti_setting(name: str) -> Any:
    """The validated value of ``PROCTOR_LTI[name]``, or its default (:func:`proctor_settings`)."""
    return getattr(proctor_settings().LTI, name)


def unknown_settings() -> list[str]:
    """Keys of ``PROCTOR_LTI`` this adapter does not know."""
    return sorted(set(getattr(settings, "PROCTOR_LTI", {})) - set(DEFAULTS))


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``PROCTOR_LTI`` from ``PROCTOR_LTI_<KEY>`` variables, each checked against its default's type.

    :raises ImproperlyConfigured: a value of the wrong type, a non-positive time, or a maximum retry delay below
        the first one.
    """
    values: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        name = f"PROCTOR_LTI_{key}"
        if isinstance(default, bool):
            values[key] = env_bool(name, default, environ)
        elif isinstance(default, (int, float)):
            number = float(env_float(name, default, environ, positive=True))
            values[key] = int(number) if number.is_integer() else number
        else:
            values[key] = env_str(name, default, environ)
    if values["GRADE_RETRY_MAX_S"] < values["GRADE_RETRY_BASE_S"]:
        raise ImproperlyConfigured(
            f"PROCTOR_LTI_GRADE_RETRY_MAX_S ({values['GRADE_RETRY_MAX_S']:g}) must be at least "
            f"PROCTOR_LTI_GRADE_RETRY_BASE_S ({values['GRADE_RETRY_BASE_S']:g})"
        )
    return values
