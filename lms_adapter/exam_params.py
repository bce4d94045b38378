"""An activity's exam rules travel with the activity, in one LTI custom parameter.

Deep linking writes the validated :class:`~proctor_core.config.ExamConfig` (only what differs from the defaults)
as base64url JSON into the custom parameter ``proctor_exam``; every launch carries it back, signed by the platform.
The rules therefore survive a course copy, a backup restored on another site, or a move of the tool's database,
and each resource link gets its own exam row (see :func:`exam_slug`). A plain exam slug would break on each of
those. The value uses only ``[A-Za-z0-9_-]``, which Moodle and Canvas store and send back unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from proctor_core.config import ExamConfig
from proctor_core.errors import ConfigError

CUSTOM_PARAM = "proctor_exam"
DEFAULT_PRESET = "exam"
"""Rules of an activity placed without deep linking (no ``proctor_exam`` parameter)."""


def encode(config: ExamConfig) -> str:
    """The compact custom-parameter value of ``config``."""
    data = config.model_dump(mode="json", exclude_defaults=True)
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(value: str) -> ExamConfig:
    """The exam rules in a custom-parameter value; :class:`ConfigError` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data: Any = json.loads(raw)
        return ExamConfig.model_validate(data)
    except (binascii.Error, ValueError, ValidationError) as exc:
        raise ConfigError(f"the activity's {CUSTOM_PARAM} parameter is not a valid exam configuration: {exc}") from exc


def config_from_custom(custom: Mapping[str, Any]) -> ExamConfig:
    """The rules of a launch: from its custom parameters, or the written-exam preset if it carries none."""
    value = custom.get(CUSTOM_PARAM)
    if not value:
        return ExamConfig.from_preset(DEFAULT_PRESET)
    return decode(str(value))


def exam_slug(issuer: str, client_id: str, deployment_id: str, resource_link_id: str) -> str:
    """The exam slug of one resource link: stable, unique per platform registration and link."""
    digest = hashlib.sha256("\n".join((issuer, client_id, deployment_id, resource_link_id)).encode()).hexdigest()
    return f"lti-{digest[:24]}"
