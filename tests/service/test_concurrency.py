"""Concurrent requests for one session, from real threads on real connections (SQLite file or PostgreSQL).

Two requests for one session never lose an update or log one violation twice: the engine and the saves run in a
transaction holding the session row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.db.utils import OperationalError
from rest_framework.test import APIClient

from proctor_core import hookimpl
from proctor_core.service import api
from proctor_core.service.apps import service_config
from proctor_core.service.models import ObservationReceipt, ProctoringSession, ViolationRecord

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


def in_threads(count: int, work: Callable[[int, APIClient], object]) -> list:
    """Run ``work(i, client)`` in ``count`` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)

    def run(i: int):
        client = APIClient()
        try:
            barrier.wait(timeout=30)
            return work(i, client)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def bearer(opened) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {opened.token}"}


def test_concurrent_observations_lose_no_update(opened):
    def post(i: int, client: APIClient):
        return client.post(opened.url("/audio"), {"is_silent": False, "seq": 100 + i}, format="json", **bearer(opened))

    responses = in_threads(THREADS, post)
    assert [r.status_code for r in responses] == [200] * THREADS
    state = ProctoringSession.objects.get(pk=opened.id).engine_state
    assert sorted(state["streams"]["audio"]["seen_seq"]) == list(range(100, 100 + THREADS))
    assert ObservationReceipt.objects.filter(stream="audio").count() == THREADS


def test_concurrent_retries_log_one_violation(opened):
    def post(i: int, client: APIClient):
        return client.post(opened.url("/events"), {"type": "tab_hidden", "seq": 42}, format="json", **bearer(opened))

    responses = in_threads(THREADS, post)
    assert [r.status_code for r in responses] == [200] * THREADS
    assert all(r.json() == responses[0].json() for r in responses)  # equal JSON (PostgreSQL reorders stored keys)
    assert ViolationRecord.objects.count() == 1
    assert ObservationReceipt.objects.count() == 1


def test_concurrent_frames_are_all_judged(opened, no_face_jpeg):
    import base64

    image = base64.b64encode(no_face_jpeg).decode("ascii")

    def post(i: int, client: APIClient):
        seq = i // 2  # every frame is sent twice
        return client.post(opened.url("/frames"), {"image": image, "seq": seq}, format="json", **bearer(opened))

    responses = in_threads(THREADS, post)
    assert [r.status_code for r in responses] == [200] * THREADS
    assert {r.json()["face_status"] for r in responses} == {"no_face"}
    state = ProctoringSession.objects.get(pk=opened.id).engine_state
    assert sorted(state["streams"]["frame"]["seen_seq"]) == list(range(THREADS // 2))
    assert ObservationReceipt.objects.filter(stream="frame").count() == THREADS // 2


def test_concurrent_ends_score_once(opened):
    scored = []

    class Recorder:
        @hookimpl
        def proctor_session_scored(self, report, session):
            scored.append(report.score)

    opened.post("/events", {"type": "tab_hidden"})
    pm = service_config().plugins.pm
    pm.register(Recorder(), name="test-score-recorder")
    try:
        responses = in_threads(THREADS, lambda i, client: client.post(opened.url("/end"), **bearer(opened)))
    finally:
        pm.unregister(name="test-score-recorder")
    assert [r.status_code for r in responses] == [200] * THREADS
    assert all(r.json() == responses[0].json() for r in responses)
    assert scored == [92]


def test_a_writer_waits_for_the_session_lock(opened):
    """While one transaction holds the session, another request for it finishes only after that one commits."""
    locked, released = threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                api.locked_session(opened.id)
                locked.set()
                time.sleep(0.5)
                released.append(time.monotonic())
        finally:
            connections.close_all()

    def post():
        locked.wait(10)
        client = APIClient()
        try:
            response = client.post(opened.url("/events"), {"type": "tab_hidden"}, format="json", **bearer(opened))
            return response, time.monotonic()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder, poster = pool.submit(hold), pool.submit(post)
        holder.result(timeout=30)
        response, finished = poster.result(timeout=30)
    assert response.status_code == 200
    assert finished >= released[0]


def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only; PostgreSQL takes row locks")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.postgres
def test_locked_session_takes_a_row_lock_on_postgresql(opened, require):
    """``locked_session`` is a real row lock: another transaction cannot take it (NOWAIT fails at once)."""
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL, as `make test` sets in its second run)")
    locked, done = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                api.locked_session(opened.id)
                locked.set()
                done.wait(10)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        holder = pool.submit(hold)
        assert locked.wait(10)
        try:
            with pytest.raises(OperationalError), transaction.atomic():
                ProctoringSession.objects.select_for_update(nowait=True).get(pk=opened.id)
        finally:
            done.set()
            holder.result(timeout=30)
    with transaction.atomic():
        assert ProctoringSession.objects.select_for_update(nowait=True).get(pk=opened.id).active
