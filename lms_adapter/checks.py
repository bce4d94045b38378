"""System checks of the LTI adapter (``manage.py check``)."""

from __future__ import annotations

from django.core import checks

from lms_adapter.conf import DEFAULTS, unknown_settings


@checks.register()
def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if unknown := unknown_settings():
        errors.append(
            checks.Error(
                f"unknown PROCTOR_LTI key(s): {', '.join(unknown)}",
                hint=f"known keys: {', '.join(DEFAULTS)}",
                id="lms_adapter.E001",
            )
        )
    return errors
