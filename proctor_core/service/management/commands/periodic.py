"""``proctor periodic``: the service's recurring jobs, in one long-running process (``proctor serve`` starts it).

Every job is an ordinary management command, run at its own interval from ``PROCTOR_OPS`` (docs/operations.md):
grade sweep (``deliver_grades``: retries and lost tasks), ``end_idle_sessions``, ``purge_evidence``,
``purge_expired_sessions``, ``purge_unstarted_sessions``, ``prune_db_task_results`` and the worker heartbeat.
A job that fails is logged and tried again at its next turn; it never stops the others. Several of these processes
may run (one per machine): every job is safe to run twice.
``--once`` runs each job once and exits, for cron.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO

from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from proctor_core.service.conf import proctor_settings
from proctor_core.service.health import PERIODIC_HEARTBEAT, heartbeat

log = logging.getLogger("proctor.periodic")
NOTHING_DONE = re.compile(r"^(deleted )?0 ")


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], None]
    due: float = 0.0


def _beat() -> None:
    cache.set(PERIODIC_HEARTBEAT, time.time(), timeout=None)
    heartbeat.enqueue()


def _command(name: str, **options) -> Callable[[], None]:
    """Run a management command; log what it reports, routine "0 ..." summaries only at DEBUG."""

    def run() -> None:
        out = StringIO()
        call_command(name, stdout=out, **options)
        for line in filter(None, out.getvalue().splitlines()):
            log.log(logging.DEBUG if NOTHING_DONE.match(line) else logging.INFO, "%s: %s", name, line)

    return run


def jobs() -> list[Job]:
    ops = proctor_settings().OPS
    return [
        Job("heartbeat", ops.HEARTBEAT_S, _beat),
        Job("grades", ops.GRADE_SWEEP_S, _command("deliver_grades")),
        Job("idle", ops.IDLE_SWEEP_S, _command("end_idle_sessions", idle_minutes=ops.IDLE_MINUTES)),
        Job("purge", ops.PURGE_EVERY_S, _command("purge_evidence")),
        Job("retention", ops.PURGE_EVERY_S, _command("purge_expired_sessions")),
        Job("unstarted", ops.PURGE_EVERY_S, _command("purge_unstarted_sessions")),
        Job("prune", ops.PRUNE_EVERY_S, _command("prune_db_task_results", min_age_days=ops.TASK_RESULT_DAYS)),
    ]


class Command(BaseCommand):
    help = (
        "Run the recurring jobs (grade sweep, idle sessions, evidence and session retention, task pruning, "
        "worker heartbeat)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")

    def handle(self, *args, once: bool = False, **options) -> None:
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        schedule = jobs()
        while not stop.is_set():
            now = time.monotonic()
            for job in schedule:
                if job.due <= now and not stop.is_set():
                    self.run_job(job)
                    job.due = now + job.every_s
            if once:
                return
            stop.wait(max(0.05, min(job.due for job in schedule) - time.monotonic()))

    def run_job(self, job: Job) -> None:
        close_old_connections()
        try:
            job.run()
        except Exception:  # noqa: BLE001 - one failing job must not stop the others; it runs again at its next turn
            log.exception("periodic job %s failed", job.name)
        finally:
            close_old_connections()
