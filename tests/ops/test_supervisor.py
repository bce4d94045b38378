"""The supervisor behind ``proctor serve``, with small stand-in programs instead of the service's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from service_processes import alive, children, wait_for

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "import sys; sys.exit(3)"]


def supervise(programs: dict[str, list[str]], **options) -> subprocess.Popen:
    script = textwrap.dedent(f"""
        import logging, sys
        from proctor_core.service.supervisor import Program, Supervisor
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
        programs = [Program(name, argv) for name, argv in {programs!r}.items()]
        sys.exit(Supervisor(programs, **{options!r}).run())
    """)
    return subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)


def test_a_program_that_keeps_failing_stops_the_whole_service():
    process = supervise({"steady": SLEEPER, "broken": CRASHER}, restart_limit=3, restart_delay_s=0.05)
    steady = wait_for(lambda: children(process.pid), 10, "the programs to start")
    assert process.wait(timeout=30) == 1
    log = process.stderr.read()
    assert log.count("broken exited with status 3") == 3
    assert "broken failed 3 times within 60s: stopping the service" in log
    wait_for(lambda: not any(alive(pid) for pid in steady), 10, "the steady program to be stopped too")


def test_programs_die_with_a_killed_supervisor():
    process = supervise({"a": SLEEPER, "b": SLEEPER})
    programs = wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid), 10, "two programs")
    time.sleep(0.5)  # past the exec: the parent-death signal is set before it
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    wait_for(lambda: not any(alive(pid) for pid in programs), 10, "the orphans to get SIGTERM")


def test_a_program_that_ignores_sigterm_is_killed_after_the_grace_period():
    stubborn = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('ready', flush=True); time.sleep(60)"]
    process = supervise({"stubborn": stubborn}, stop_timeout_s=1.0)
    [pid] = wait_for(lambda: children(process.pid), 10, "the program to start")
    time.sleep(1.0)  # let it install its handler
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert time.monotonic() - started < 10
    assert "stubborn did not stop within 1s: killing it" in process.stderr.read()
    assert not alive(pid)
