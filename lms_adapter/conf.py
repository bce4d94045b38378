"""Settings of the LTI adapter: one optional dict, ``PROCTOR_LTI``, over these defaults.

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

from proctor_core.service.environ import env_bool, env_float, env_str

DEFAULTS: dict[str, Any] = {
    # Login initiation -> launch: how long the state and nonce of one login stay valid.
    "LOGIN_STATE_LIFETIME_S": 600,
    # How long a launch stays usable for the instructor's deep-linking form.
    "LAUNCH_DATA_LIFETIME_S": 3600,
    # How long a platform's public key set is cached.
    "KEY_SET_CACHE_S": 600,
    # Timeout of each HTTP request to a platform (key set, token, line item, score).
    "HTTP_TIMEOUT_S": 20,
    # Grade delivery: first retry after this many seconds, doubling up to the maximum.
    "GRADE_RETRY_BASE_S": 30,
    "GRADE_RETRY_MAX_S": 3600,
    # Send gradingProgress PendingManual (not FullyGraded) for red-band sessions. Moodle then stores an empty grade:
    # only for platforms that show PendingManual as "needs grading" (Canvas).
    "PENDING_MANUAL_FOR_RED": False,
    # Name of the tool shown in the platform (Canvas configuration, Dynamic Registration).
    "TOOL_TITLE": "Proctor",
}


def lti_setting(name: str) -> Any:
    """The value of ``PROCTOR_LTI[name]``, or its default."""
    return getattr(settings, "PROCTOR_LTI", {}).get(name, DEFAULTS[name])


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
