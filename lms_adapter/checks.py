"""System checks of the LTI adapter (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from lms_adapter.conf import DEFAULTS, lti_setting, unknown_settings


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
    if isinstance(caches[lti_setting("CACHE")], LocMemCache) and not settings.DEBUG:
        errors.append(
            checks.Warning(
                f"the cache {lti_setting('CACHE')!r} that holds LTI login state is local to each process",
                hint="with more than one process, a launch fails when it reaches another process than its login: "
                "use a shared cache (django.core.cache.backends.db.DatabaseCache, Redis or Memcached)",
                id="lms_adapter.W001",
            )
        )
    return errors
