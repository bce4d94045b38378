"""Scale-out, proven: two app servers and a separate worker on one PostgreSQL, behind HAProxy, one server killed.

Topology (docs/operations.md, "Several machines"), all on loopback:

    HAProxy (round robin, checks /health/live) ─┬─ A: proctor serve           (web + worker + periodic)
                                                └─ B: proctor serve --web-only
                                                   W: proctor serve --no-web  (worker + periodic)

Learners launch from the test LMS platform through HAProxy; their frames, audio and page events are sent from one
thread per session, so the sessions interleave and each session's requests alternate between A and B. Half-way,
every process of A is killed with SIGKILL at once, as in a crash: requests in flight there get no answer. The
client retries what failed with the same ``seq``, as the widget does. Then: every observation is stored once (a
receipt per seq, no more, no less), every score is right, and every grade reaches the platform exactly once
although two workers and two periodic sweeps compete for the outbox.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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

SESSIONS = 12
FRAMES, AUDIO = 6, 6
TAB_SWITCH_MERGE_S = 1.0  # page signals within this window are one away-episode (docs/detectors.md)
TAB_SWITCH_POINTS = 8  # the written-exam preset of an LTI activity (DESIGN.md §5)
RETRYABLE = {502, 503, 504}
STREAMS = {"frames": "frame", "audio": "audio", "events": "page"}
"""API path -> the stream its receipts are stored under."""
FACE_JPEG = (Path(__file__).resolve().parents[1] / "data" / "grace_hopper.jpg").read_bytes()
POSTGRES = os.environ.get("PROCTOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/proctor_test")
DATABASE = "proctor_scaleout"

HAPROXY_CFG = """
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
frontend proctor
    bind 127.0.0.1:{port}
    option forwardfor
    http-request deny deny_status 403 if {{ path /metrics }}
    default_backend app
backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/live ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check
"""


def descendants(pid: int) -> list[int]:
    found = children(pid)
    return [*found, *(grandchild for child in found for grandchild in descendants(child))]


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(POSTGRES)._replace(path=f"/{name}"))


def postgres_available() -> bool:
    import psycopg

    try:
        psycopg.connect(database_url("postgres"), connect_timeout=3, autocommit=True).close()
    except psycopg.Error:
        return False
    return True


def fresh_database() -> str:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    return database_url(DATABASE)


def query(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


@dataclass
class Learner:
    """One learner's session and what the client sent for it."""

    user: str
    session_id: str
    token: str
    tab_switches: int
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS.values(), 0))

    @property
    def expected_score(self) -> float:
        return 100.0 - TAB_SWITCH_POINTS * self.tab_switches


class Client:
    """The widget's retry rule: a request that got no answer (or a proxy error) is sent again with the same seq."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.retries = 0

    def post(self, learner: Learner, path: str, **kwargs) -> dict:
        url = f"{self.base}/api/v1/sessions/{learner.session_id}/{path}"
        headers = {"Authorization": f"Bearer {learner.token}", **kwargs.pop("headers", {})}
        for _ in range(40):
            try:
                response = self.http.post(url, headers=headers, timeout=30, **kwargs)
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code not in RETRYABLE:
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
                return response.json()
            self.retries += 1
            time.sleep(0.25)
        raise AssertionError(f"{path} of {learner.session_id} was never answered")


def observations(learner: Learner) -> list[tuple[str, dict]]:
    """Frames, audio and tab switches of one session, interleaved, each stream with its own seq."""
    steps: list[tuple[str, dict]] = []
    events = [("tab_hidden" if n % 2 == 0 else "tab_visible") for n in range(2 * learner.tab_switches)]
    for n in range(max(FRAMES, AUDIO, len(events))):
        if n < FRAMES:
            steps.append(("frames", {"data": FACE_JPEG, "headers": {"Content-Type": "image/jpeg"},
                                     "params": {"seq": n + 1}}))
        if n < AUDIO:
            steps.append(("audio", {"json": {"is_silent": False, "seq": n + 1}}))
        if n < len(events):
            steps.append(("events", {"json": {"type": events[n], "seq": n + 1}}))
    return steps


def test_two_servers_behind_haproxy_lose_nothing_and_send_nothing_twice(tmp_path, platform, require):
    require(shutil.which("haproxy") is not None, "HAProxy (Debian package haproxy) for the scale-out test")
    require(postgres_available(), f"PostgreSQL at {database_url('postgres')} for the scale-out test")
    url = fresh_database()
    ports = {"a": free_port(), "b": free_port(), "lb": free_port()}
    env = service_env(
        DATABASE_URL=url,
        PROCTOR_WORKERS="2",
        PROCTOR_GRADE_SWEEP_S="1",
        PROCTOR_HEARTBEAT_S="1",
        PROCTOR_DATA_DIR=str(tmp_path / "data"),
    )
    proctor(env, "migrate", "-v0")
    register_platform(env, platform)
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CFG.format(port=ports["lb"], a=ports["a"], b=ports["b"]))
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b", "w", "haproxy")}
    processes = {
        "a": start({**env, "PROCTOR_BIND": f"127.0.0.1:{ports['a']}"}, "serve", log=logs["a"]),
        "b": start({**env, "PROCTOR_BIND": f"127.0.0.1:{ports['b']}"}, "serve", "--web-only", log=logs["b"]),
        "w": start(env, "serve", "--no-web", log=logs["w"]),
    }
    with logs["haproxy"].open("ab") as out:
        processes["haproxy"] = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=out, stderr=out)
    lb = f"http://127.0.0.1:{ports['lb']}"
    try:
        for name in ("a", "b"):
            wait_ready(f"http://127.0.0.1:{ports[name]}", processes[name], logs[name])
        wait_for(lambda: requests.get(f"{lb}/health/ready", timeout=5).status_code == 200, 30, "HAProxy")
        run_and_check(lb, url, ports, processes, logs, platform)
    finally:
        for process in processes.values():
            stop(process, timeout=60)


def run_and_check(lb, url, ports, processes, logs, platform) -> None:
    platform.tool_jwks = requests.get(f"{lb}/lti/jwks/", timeout=10).json()
    lineitem = platform.add_line_item(score_maximum=100)
    http = requests.Session()
    learners = []
    for n in range(SESSIONS):
        session_id, token = launch(http, lb, platform, sub=str(100 + n), lineitem=lineitem)
        learners.append(Learner(str(100 + n), session_id, token, tab_switches=n % 4))

    plans = {learner.user: observations(learner) for learner in learners}
    total = sum(len(plan) for plan in plans.values())
    done = {"count": 0}
    lock = threading.Lock()
    clients: list[Client] = []
    failures: list[BaseException] = []

    def feed(learner: Learner) -> None:
        client = Client(lb)
        clients.append(client)
        back_at = None  # a page comes back, and only a later switch away counts again (after the merge window)
        try:
            for path, request in plans[learner.user]:
                event = request.get("json", {}).get("type") if path == "events" else None
                if event == "tab_hidden" and back_at is not None:
                    time.sleep(max(0.0, back_at + TAB_SWITCH_MERGE_S + 0.2 - time.monotonic()))
                client.post(learner, path, **request)
                if event == "tab_visible":
                    back_at = time.monotonic()
                learner.sent[STREAMS[path]] += 1
                with lock:
                    done["count"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=feed, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    wait_for(lambda: done["count"] >= total // 2 or failures, 120, "half of the observations")
    machine_a = descendants(processes["a"].pid)  # gunicorn and its workers, the task worker, the periodic process
    for pid in [processes["a"].pid, *machine_a]:  # app server A crashes mid-exam: nothing gets to finish
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    killed_at = done["count"]
    assert processes["a"].wait(timeout=30) == -signal.SIGKILL
    wait_for(lambda: not any(alive(pid) for pid in machine_a), 10, "every process of server A to be gone")
    for thread in threads:
        thread.join(timeout=150)
    assert not failures, failures
    assert all(not thread.is_alive() for thread in threads)
    assert 0 < killed_at < total
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{ports['a']}/health/live", timeout=5)

    # Every observation stored once: one receipt per (session, stream, seq), exactly as many as were sent.
    receipts = query(url, "SELECT session_id, stream, count(*), count(DISTINCT seq) FROM proctor_observationreceipt "
                          "GROUP BY session_id, stream")
    stored = {(str(session).replace("-", ""), stream): (n, distinct) for session, stream, n, distinct in receipts}
    for learner in learners:
        for stream, sent in learner.sent.items():
            if sent:
                assert stored[(learner.session_id.replace("-", ""), stream)] == (sent, sent), (learner, stream)

    # Both servers served requests of the same sessions.
    seen = {name: set(re.findall(r"/api/v1/sessions/([0-9a-f-]{36})/", logs[name].read_text())) for name in "ab"}
    assert seen["a"] & seen["b"], "no session was served by both app servers"

    ender = Client(lb)
    for learner in learners:
        report = ender.post(learner, "end")
        assert report["score"] == learner.expected_score, learner
        state = requests.get(f"{lb}/api/v1/sessions/{learner.session_id}",
                             headers={"Authorization": f"Bearer {learner.token}"}, timeout=10).json()
        assert state["counts"].get("tab_switch", 0) == learner.tab_switches, (learner, state["counts"])

    def graded() -> bool:
        return len({post.body["userId"] for post in platform.accepted_scores}) == SESSIONS

    wait_for(graded, 90, "every grade at the platform")
    time.sleep(4)  # several more sweeps by two periodic processes: nothing may be sent again
    for learner in learners:
        posts = [post for post in platform.score_posts if post.body["userId"] == learner.user]
        assert [post.status for post in posts] == [200], (learner, posts)
        assert posts[0].body["scoreGiven"] == learner.expected_score

    # Operators' view: through the proxy /metrics is refused; on the server itself it counts the frames.
    assert requests.get(f"{lb}/metrics", timeout=10).status_code == 403
    metrics = requests.get(f"http://127.0.0.1:{ports['b']}/metrics", timeout=10).text
    [judged] = [float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                if line.startswith('proctor_observations_total{kind="frame",outcome="ok"}')]
    served = re.findall(r'"POST /api/v1/sessions/[0-9a-f-]{36}/frames\?seq=\d+ HTTP/1.1" 200 ', logs["b"].read_text())
    assert judged == len(served) > 0  # both gunicorn workers of B, added up
    assert "proctor_grade_outbox_pending 0.0" in metrics
