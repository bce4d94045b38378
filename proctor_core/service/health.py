"""Liveness and readiness: ``GET /health/live`` and ``GET /health/ready`` (docs/operations.md, "Health").

Live means this process answers; it touches nothing else, so a load balancer can use it without taking every app
server out when the database blips. Ready means the service can do its whole job: the database answers, every
migration is applied, and a task worker ran the heartbeat task recently (``proctor periodic`` queues one every
``PROCTOR_HEARTBEAT_S``; a worker that runs it proves the queue moves, which a process merely being up does not).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task

from proctor_core.service.conf import proctor_settings

WORKER_HEARTBEAT = "proctor:heartbeat:worker"
PERIODIC_HEARTBEAT = "proctor:heartbeat:periodic"
_migrated = False
"""Once every migration is applied, this process stops looking (loading the migration graph takes a while)."""


@task()
def heartbeat() -> float:
    """Run by a task worker: record that one is alive and taking tasks from the queue."""
    at = time.time()
    cache.set(WORKER_HEARTBEAT, at, timeout=None)
    return at


def heartbeat_age(key: str) -> float | None:
    """Seconds since the heartbeat ``key`` was last recorded, or ``None`` if never."""
    at = cache.get(key)
    return None if at is None else max(0.0, time.time() - float(at))


def unapplied_migrations() -> list[str]:
    global _migrated
    if _migrated:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def readiness() -> tuple[bool, dict[str, Any]]:
    """Each check's result, and whether all passed."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return False, checks
    missing = unapplied_migrations()
    checks["migrations"] = {"ok": not missing, "unapplied": missing[:20]}
    max_age = proctor_settings().OPS.HEARTBEAT_MAX_AGE_S
    for name, key in (("worker", WORKER_HEARTBEAT), ("periodic", PERIODIC_HEARTBEAT)):
        age = heartbeat_age(key)
        checks[name] = {"ok": age is not None and age <= max_age, "heartbeat_age_s": age, "max_age_s": max_age}
    return all(check["ok"] for check in checks.values()), checks


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    ok, checks = readiness()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
