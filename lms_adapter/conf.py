"""Settings of the LTI adapter: one optional dict, ``PROCTOR_LTI``, over these defaults.

::

    PROCTOR_LTI = {"PENDING_MANUAL_FOR_RED": True}

An unknown key is reported by the system check ``lms_adapter.E001``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

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
