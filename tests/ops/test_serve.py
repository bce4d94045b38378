"""``make run`` / ``proctor serve`` alone run the whole service: web, task worker and periodic jobs, supervised,
stopping together.

Black-box, as an operator runs it from a fresh clone: ``make run`` on a new SQLite database; an LMS (the test
platform) launches two learners over HTTP. One ends the session; the other closes the tab. Both grades must reach
the platform exactly once, the abandoned session ended and scored by the periodic job; Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from service_processes import (
    alive,
    children,
    free_port,
    launch,
    proctor,
    register_platform,
    service_env,
    start,
    stop,
    wait_for,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[2]
TAB_SWITCH_POINTS = 8  # the written-exam preset of an LTI activity (DESIGN.md §5)


def fast_env(tmp_path: Path, port: int) -> dict[str, str]:
    """A fresh SQLite database, the periodic jobs every second and a 9 s idle limit."""
    return service_env(
        PROCTOR_DATA_DIR=str(tmp_path / "data"),
        PROCTOR_WORKERS="2",
        PROCTOR_IDLE_MINUTES="0.15",
        PROCTOR_IDLE_SWEEP_S="1",
        PROCTOR_GRADE_SWEEP_S="1",
        PROCTOR_HEARTBEAT_S="1",
        PROCTOR_BIND=f"127.0.0.1:{port}",
    )


@pytest.fixture
def service(tmp_path):
    """``proctor serve`` on a fresh database."""
    port = free_port()
    env = fast_env(tmp_path, port)
    proctor(env, "migrate", "-v0")
    log = tmp_path / "serve.log"
    process = start(env, "serve", log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log)
        yield base, process, log
    finally:
        stop(process)


def post(http: requests.Session, base: str, session_id: str, token: str, path: str, body: dict | None = None):
    return http.post(
        f"{base}/api/v1/sessions/{session_id}/{path}",
        json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30,
    )


def test_make_run_alone_delivers_grades_and_ends_abandoned_sessions(tmp_path, platform, require):
    """From a clone, `make run` (migrate, demo exams, proctor serve) and nothing else; then Ctrl-C."""
    require(shutil.which("make") is not None, "GNU make (Debian package make)")
    port = free_port()
    env = fast_env(tmp_path, port)
    log = tmp_path / "make-run.log"
    venv = Path(sys.executable).parent.parent
    with log.open("ab") as out:  # a session of its own: Ctrl-C reaches make and proctor serve, as in a terminal
        make = subprocess.Popen(["make", "-C", str(ROOT), "run", f"VENV={venv}"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, make, log, timeout=180)
        register_platform(env, platform)
        deliver_and_score(base, platform)
        [serve] = children(make.pid)
        programs = children(serve)
        assert len(programs) == 3, programs
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=60)
        wait_for(lambda: not any(alive(pid) for pid in [serve, *programs]), 15, "every program to exit")
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{base}/health/live", timeout=5)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(timeout=60)


def deliver_and_score(base: str, platform) -> None:
    """Two LTI learners: one ends the session, one closes the tab; both grades arrive once, both scores right."""
    platform.tool_jwks = requests.get(f"{base}/lti/jwks/", timeout=10).json()
    lineitem = platform.add_line_item(score_maximum=50)
    http = requests.Session()
    ended_id, ended_token = launch(http, base, platform, sub="7", lineitem=lineitem)
    left_id, left_token = launch(http, base, platform, sub="8", lineitem=lineitem)
    for session_id, token in ((ended_id, ended_token), (left_id, left_token)):
        answer = post(http, base, session_id, token, "events", {"type": "tab_hidden", "seq": 1})
        assert answer.status_code == 200, answer.text
        assert [v["code"] for v in answer.json()["violations"]] == ["tab_switch"]

    ended = post(http, base, ended_id, ended_token, "end")
    assert ended.status_code == 200, ended.text
    assert ended.json()["score"] == 100 - TAB_SWITCH_POINTS

    def graded(user: str) -> list:
        return [post for post in platform.accepted_scores if post.body["userId"] == user]

    wait_for(lambda: graded("7"), 60, "the grade of the ended session (task worker)")
    wait_for(lambda: graded("8"), 60, "the grade of the abandoned session (periodic job, then worker)")
    left = requests.get(
        f"{base}/api/v1/sessions/{left_id}", headers={"Authorization": f"Bearer {left_token}"}, timeout=10
    ).json()
    assert left["active"] is False
    assert left["score"] == 100 - TAB_SWITCH_POINTS
    time.sleep(3)  # several more grade sweeps: nothing is sent again
    for user in ("7", "8"):
        [score] = graded(user)
        assert score.body["scoreGiven"] == (100 - TAB_SWITCH_POINTS) * 50 / 100
        assert score.body["scoreMaximum"] == 50
        assert score.body["gradingProgress"] == "FullyGraded"
    assert len(platform.score_posts) == 2, [(p.body["userId"], p.status) for p in platform.score_posts]


def test_a_program_that_dies_is_restarted_and_sigterm_stops_all(service):
    base, process, log = service
    [web, worker, periodic] = children(process.pid)
    os.kill(worker, signal.SIGKILL)
    [restarted] = wait_for(
        lambda: [pid for pid in children(process.pid) if alive(pid) and pid not in {web, worker, periodic}],
        20, "a new worker",
    )
    assert "worker exited with status -9" in log.read_text()
    assert alive(web) and alive(periodic)
    assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
    assert stop(process, signal.SIGTERM) == 0
    wait_for(lambda: not any(alive(pid) for pid in (web, restarted, periodic)), 10, "every program to exit")


def test_web_workers_that_analysed_frames_stop_at_once(tmp_path):
    """SIGTERM to ``proctor serve --web-only`` after its workers ran the face finder: every worker exits cleanly
    within seconds (gunicorn would wait 30 s for a hung one), and none aborts. A finder runtime loaded before the
    workers are forked would make them hang or abort at exit."""
    port = free_port()
    env = fast_env(tmp_path, port)
    proctor(env, "migrate", "-v0")
    proctor(env, "demo")
    log = tmp_path / "web.log"
    process = start(env, "serve", "--web-only", log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/health/live", timeout=5).ok, 60, "the web server")  # no task worker
        workers = children(process.pid)
        assert len(workers) == 2, workers
        candidate = {"name": "Ann Example", "email": "ann@example.org"}
        opened = requests.post(f"{base}/api/v1/sessions", json=candidate, timeout=30)
        assert opened.status_code == 201, opened.text
        session_id, token = opened.json()["id"], opened.json()["token"]
        frame = (ROOT / "tests" / "data" / "grace_hopper.jpg").read_bytes()
        for seq in range(1, 7):  # over new connections: both workers get frames
            answer = requests.post(
                f"{base}/api/v1/sessions/{session_id}/frames?seq={seq}", data=frame, timeout=30,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["face_status"] == "ok"
        started = time.monotonic()
        assert stop(process, signal.SIGTERM, timeout=20) == 0
        assert time.monotonic() - started < 10
        assert not any(alive(pid) for pid in workers)
        text = log.read_text()
        assert "Worker exiting" in text
        assert "SIGABRT" not in text and "terminate called" not in text, text[-3000:]
    finally:
        if process.poll() is None:
            stop(process, signal.SIGKILL)
