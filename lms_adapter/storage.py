"""Launch-time data of pylti1p3 in a table of its own (``LaunchValue``), shared by every process.

A Django cache culls: the database cache kept 300 entries, so a class of 300 opening an exam (or one anonymous
script) pushed real logins out and their launches failed. Here every pending login stays until it expires, and
expired rows are swept at each login initiation (one indexed delete).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from lms_adapter.models import LaunchValue

MAX_KEY = 255
DEFAULT_LIFETIME_S = 3600


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """pylti1p3's launch data storage over :class:`~lms_adapter.models.LaunchValue`, keyed without a cookie."""

    def get_session_cookie_name(self) -> None:
        return None  # the tool's cookies never reach it inside the platform's iframe

    def can_set_keys_expiration(self) -> bool:
        return True

    def _key(self, key: str) -> str:
        key = self._prepare_key(key)
        return key if len(key) <= MAX_KEY else "sha256-" + hashlib.sha256(key.encode()).hexdigest()

    def get_value(self, key: str) -> Any:
        row = LaunchValue.objects.filter(key=self._key(key), expires_at__gt=timezone.now()).first()
        return None if row is None else json.loads(row.value)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        expires_at = timezone.now() + timedelta(seconds=exp or DEFAULT_LIFETIME_S)
        row = LaunchValue(key=self._key(key), value=json.dumps(value), expires_at=expires_at)
        LaunchValue.objects.bulk_create(  # one upsert
            [row], update_conflicts=True, unique_fields=["key"], update_fields=["value", "expires_at"]
        )

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def remove_value(self, key: str) -> bool:
        """Delete the value; ``False`` if it was not there (or had expired), so a use-once key is used once."""
        deleted, _ = LaunchValue.objects.filter(key=self._key(key), expires_at__gt=timezone.now()).delete()
        return deleted > 0


def sweep() -> int:
    """Delete expired values; return how many."""
    deleted, _ = LaunchValue.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
