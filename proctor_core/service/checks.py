"""System checks of the service (``proctor check``; ``--deploy`` adds the deployment ones).

The settings module already refuses to load without ``PROCTOR_SECRET_KEY`` when the service is reachable by others
(HTTPS or non-loopback hosts). ``check --deploy`` asks about production too, so there the development key is an
error (``proctor.E010``), not Django's mere warning.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.SECRET_KEY != getattr(settings, "DEVELOPMENT_SECRET_KEY", None):
        return []
    return [
        checks.Error(
            "PROCTOR_SECRET_KEY is not set: the service runs with the public development key, with which anyone can "
            "forge admin sessions, result-page keys and LTI registration links",
            hint="set PROCTOR_SECRET_KEY to 50+ random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')",
            id="proctor.E010",
        )
    ]
