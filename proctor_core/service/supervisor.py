"""``proctor serve``'s supervisor: start the service's processes, restart one that dies, stop them all together.

Each program is an ordinary process (gunicorn, django-tasks' ``db_worker``, ``proctor periodic``) in a process
group of its own, so Ctrl-C reaches only the supervisor, which then stops the programs in order with SIGTERM
(gunicorn finishes the requests in flight, the worker its task) and SIGKILLs what is still running after the
grace period. On Linux a program also gets SIGTERM when the supervisor itself is killed, so nothing is orphaned.
A program that keeps dying (``restart_limit`` times within ``restart_window_s``) stops the whole service with an
error: a process manager (systemd) then sees the failure instead of a service that silently does half its job.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger("proctor.serve")

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
"""Loaded before any fork: the child only calls into it between fork and exec."""


@dataclass
class Program:
    """One supervised process: a name for the logs and its command line."""

    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    exits: deque[float] = field(default_factory=deque, repr=False)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the supervisor dies (no-op elsewhere)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(
        self,
        programs: Sequence[Program],
        *,
        restart_limit: int = 5,
        restart_window_s: float = 60.0,
        restart_delay_s: float = 1.0,
        stop_timeout_s: float = 30.0,
    ) -> None:
        self.programs = list(programs)
        self.restart_limit = restart_limit
        self.restart_window_s = restart_window_s
        self.restart_delay_s = restart_delay_s
        self.stop_timeout_s = stop_timeout_s
        self._stop_signal: int | None = None

    def run(self) -> int:
        """Run until SIGINT/SIGTERM (exit status 0) or until a program fails too often (exit status 1)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request_stop)
        for program in self.programs:
            self._start(program)
        status = 0
        while self._stop_signal is None:
            time.sleep(0.2)
            failed = self._reap()
            if failed is not None:
                log.error("%s failed %d times within %gs: stopping the service", failed.name, len(failed.exits),
                          self.restart_window_s)
                status = 1
                break
        if self._stop_signal is not None:
            log.info("%s received: stopping %s", signal.Signals(self._stop_signal).name,
                     ", ".join(program.name for program in self.programs))
        self.stop()
        return status

    def stop(self) -> None:
        """SIGTERM to every running program, then SIGKILL to any still running after the grace period."""
        running = [(p, p.process) for p in self.programs if p.process is not None and p.process.poll() is None]
        for _, process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout_s
        for program, process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %gs: killing it", program.name, self.stop_timeout_s)
                process.kill()
                process.wait()
            log.info("%s stopped (exit status %s)", program.name, process.returncode)

    def _request_stop(self, signum: int, frame) -> None:
        self._stop_signal = signum

    def _start(self, program: Program) -> None:
        env = {**os.environ, **(program.env or {})}
        program.process = subprocess.Popen(
            program.argv, env=env, start_new_session=True, preexec_fn=_die_with_parent  # noqa: PLW1509
        )
        log.info("%s started (pid %d)", program.name, program.process.pid)

    def _reap(self) -> Program | None:
        """Restart programs that exited; return one that exited too often."""
        for program in self.programs:
            status = program.process.poll() if program.process is not None else None
            if status is None or self._stop_signal is not None:
                continue
            now = time.monotonic()
            program.exits.append(now)
            while program.exits and program.exits[0] < now - self.restart_window_s:
                program.exits.popleft()
            log.warning("%s exited with status %s", program.name, status)
            if len(program.exits) >= self.restart_limit:
                return program
            time.sleep(self.restart_delay_s)
            if self._stop_signal is None:
                self._start(program)
        return None
