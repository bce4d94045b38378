"""The observation write path: the session read once by the token check, saved by an optimistic UPDATE, the retry
receipt by ``INSERT ... ON CONFLICT``; a session changed meanwhile is judged again, never overwritten."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proctor_core.service import recording
from proctor_core.service.api import session_by_token
from proctor_core.service.models import ObservationReceipt, ProctoringSession
from proctor_core.service.session_lookup import session_with_exam
from proctor_core.service.tokens import hash_token
from proctor_core.types import AudioSample, ObservationKind, PageEvent

pytestmark = pytest.mark.django_db


def statements(captured) -> list[str]:
    """The SQL verbs run, without transaction bookkeeping."""
    verbs = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
    return [v for v in verbs if v not in {"SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"}]


def test_an_observation_with_a_seq_is_one_select_one_update_one_insert(opened):
    opened.post("/audio", {"is_silent": False, "seq": 1})
    with CaptureQueriesContext(connection) as captured:
        response = opened.post("/audio", {"is_silent": False, "seq": 2})
    assert response.status_code == 200, response.content
    assert statements(captured) == ["SELECT", "UPDATE", "INSERT"]
    assert ProctoringSession.objects.get(pk=opened.id).version == 2


def test_the_token_lookup_loads_what_the_orm_loads(opened):
    opened.post("/events", {"type": "tab_hidden", "seq": 1})
    fast = session_with_exam(hash_token(opened.token))
    orm = ProctoringSession.objects.select_related("exam").get(pk=opened.id)
    for field in ProctoringSession._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
    with CaptureQueriesContext(connection) as captured:
        assert fast.exam.slug == orm.exam.slug and fast.exam.config == orm.exam.config
    assert captured.captured_queries == []  # the exam came with the session
    assert session_with_exam(hash_token(opened.token + "x")) is None
    assert session_by_token("not-a-token") is None


def test_a_stale_session_is_judged_again_and_loses_no_update(opened):
    stale = session_by_token(opened.token)
    opened.post("/audio", {"is_silent": False, "seq": 1})  # saved after the stale copy was read
    recording.record(stale, ObservationKind.AUDIO, AudioSample(is_silent=False, level=None), seq=2)
    state = ProctoringSession.objects.get(pk=opened.id).engine_state
    assert sorted(state["streams"]["audio"]["seen_seq"]) == [1, 2]
    assert ObservationReceipt.objects.filter(stream="audio").count() == 2


def test_a_stale_retry_gets_the_stored_answer(opened):
    stale = session_by_token(opened.token)
    first = opened.post("/events", {"type": "tab_hidden", "seq": 7}).json()
    again = recording.record(stale, ObservationKind.AUDIO, AudioSample(is_silent=False, level=None), seq=3)
    replay = recording.record(stale, ObservationKind.PAGE, PageEvent(type="tab_hidden"), seq=7)
    assert replay == first
    assert again["violations"] == []
    assert ObservationReceipt.objects.count() == 2


def test_a_session_ended_after_the_token_check_takes_nothing(opened):
    stale = session_by_token(opened.token)
    assert opened.post("/end").status_code == 200
    with pytest.raises(recording.SessionEnded):
        recording.record(stale, ObservationKind.AUDIO, AudioSample(is_silent=False, level=None), seq=1)
    assert ObservationReceipt.objects.count() == 0
    assert "audio" not in ProctoringSession.objects.get(pk=opened.id).engine_state.get("streams", {})

