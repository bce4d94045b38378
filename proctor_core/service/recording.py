"""Recording observations: the expensive work outside the session lock, the engine and the saves under it.

A frame is decoded and its faces found before any lock is taken. The engine judges the observation against the
session as the token check read it; then, in one transaction, the new state is saved only if the session is
unchanged since (optimistic: its ``version``), and the answer for retries, the violations (with evidence when the
exam keeps it) and the ``proctor_violation_recorded`` hooks are saved or fired with it. If another request saved
the session first, it is read again under its row lock and judged again, so no update is lost. A retry with a
``seq`` already answered gets the stored answer and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from proctor_core.engine import SessionState
from proctor_core.imaging import decode_image
from proctor_core.service.api import locked_session, session_info
from proctor_core.service.apps import service_config
from proctor_core.service.engines import engine_for, now
from proctor_core.service.evidence import encode_evidence
from proctor_core.service.exceptions import SessionEnded
from proctor_core.service.models import ObservationReceipt, ProctoringSession, ViolationRecord, to_datetime
from proctor_core.service.schemas import ViolationOut
from proctor_core.types import Frame, FrameAnalysis, ObservationData, ObservationKind, ViolationRule

log = logging.getLogger(__name__)


def analyse_frame(image: bytes | str) -> tuple[Frame, FrameAnalysis]:
    """Decode a submitted image and find its faces (no database, no lock).

    :raises InvalidImage: garbage, truncated, not JPEG/PNG, or a side out of bounds.
    :raises ImageTooLarge: the encoded image is over the cap.
    """
    frame = decode_image(image)
    return frame, service_config().plugins.face_finder.find(frame)


def stored_answer(session: ProctoringSession, kind: ObservationKind, seq: int | None) -> dict[str, Any] | None:
    """The answer already given to this ``seq`` on this stream, if any."""
    if seq is None:
        return None
    found = ObservationReceipt.objects.filter(session=session, stream=kind.value, seq=seq).values_list("response")
    return found[0][0] if found else None


def check_open(session: ProctoringSession) -> None:
    """:raises SessionEnded: the session takes no more observations."""
    if not session.active:
        raise SessionEnded("the session has ended; it takes no more observations")


class _Conflict(Exception):
    """The optimistic write lost: the session changed since it was read, or the ``seq`` was answered meanwhile."""


def record(
    session: ProctoringSession,
    kind: ObservationKind,
    data: ObservationData,
    *,
    seq: int | None = None,
    captured_at: float | None = None,
    frame: Frame | None = None,
    answer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Judge one observation, save what it caused, and return the JSON answer.

    The session as the token check read it is judged first, and saved only if nobody saved it since (its
    ``version`` is unchanged, it is still active), with the receipt inserted unless the ``seq`` is already
    answered: one UPDATE and one INSERT, no extra read, no lock held while judging. If another request won
    meanwhile, the session is read again under its row lock and judged again (or the stored answer returned).

    :param frame: the decoded frame, kept as evidence for a frame violation if the exam keeps evidence.
    :param answer: fields of the answer besides ``violations`` (e.g. the face status of a frame).
    :raises SessionEnded: the session has ended.
    """
    check_open(session)
    args = (kind, data, seq, captured_at, frame, answer)
    try:
        with transaction.atomic():
            result, failures = _judge_and_save(session, *args, optimistic=True)
    except _Conflict:
        with transaction.atomic():
            locked = locked_session(session.pk)
            # Under the lock no other request can answer this seq: a stored answer now is final, and without one
            # the receipt INSERT below cannot fall short.
            replay = stored_answer(locked, kind, seq) if seq is not None else None
            if replay is not None:
                return replay
            reuse_loaded_exam(locked, session)
            result, failures = _judge_and_save(locked, *args, optimistic=False)
    for failure in failures:
        log.warning("detector %s failed in session %s: %s", failure.detector, session.pk, failure.error)
    return result


def _judge_and_save(session, kind, data, seq, captured_at, frame, answer, *, optimistic: bool):
    """Judge against ``session`` as loaded and save, in the caller's transaction; returns (answer, failures).

    :raises _Conflict: (``optimistic`` only) the stored session is no longer the one judged.
    """
    check_open(session)
    state = SessionState.from_json(session.engine_state)
    stream = state.streams.get(kind.value) if seq is not None else None
    if stream is not None and seq in stream.seen_seq:
        replay = stored_answer(session, kind, seq)
        if replay is not None:
            return replay, ()
    engine = engine_for(session.config)
    outcome = engine.observe(state, kind, data, seq=seq, captured_at=captured_at)
    if not save_state(session, outcome.state.to_json()):
        if optimistic:
            raise _Conflict
        raise SessionEnded("the session has ended; it takes no more observations")  # pragma: no cover (row locked)
    records = violation_records(session, engine, outcome.violations, frame, captured_at)
    violations = [violation_json(r, has_evidence=r.evidence_jpeg is not None) for r in records]
    result = {**(answer or {}), "violations": violations}
    if seq is not None and not insert_receipt(session, kind, seq, result):
        raise _Conflict
    ViolationRecord.objects.bulk_create(records)
    if outcome.violations:
        info = session_info(session)
        for violation in outcome.violations:
            service_config().plugins.violation_recorded(violation, info)
    return result, outcome.failures


@dataclass(frozen=True, slots=True)
class Observed:
    """One observation of a batch: its kind, what was observed, its ``seq`` and capture time, and the fields of
    its answer besides ``violations`` (e.g. a verdict's face status)."""

    kind: ObservationKind
    data: ObservationData
    seq: int
    captured_at: float | None
    answer: Mapping[str, Any] = field(default_factory=dict)


def record_batch(session: ProctoringSession, items: Sequence[Observed]) -> list[tuple[dict[str, Any], bool]]:
    """Judge observations sent together, in order, and save what they caused: each one's answer, and whether it
    was new (``False``: a retry, answered as before and recording nothing).

    As :func:`record`, but for the whole batch: one optimistic state write, one multi-row receipt ``INSERT``, one
    bulk insert of the violations; on a lost race the batch is judged again under the row lock.

    :raises SessionEnded: the session has ended.
    """
    check_open(session)
    try:
        with transaction.atomic():
            answers, failures = _judge_batch(session, items, optimistic=True)
    except _Conflict:
        with transaction.atomic():
            locked = locked_session(session.pk)
            reuse_loaded_exam(locked, session)
            answers, failures = _judge_batch(locked, items, optimistic=False)
    for failure in failures:
        log.warning("detector %s failed in session %s: %s", failure.detector, session.pk, failure.error)
    return answers


def _judge_batch(session: ProctoringSession, items: Sequence[Observed], *, optimistic: bool):
    """Judge a batch against ``session`` as loaded and save, in the caller's transaction.

    Optimistic, only the retries the engine recognises (its recent ``seq`` window) are looked up; an older retry
    makes the receipt ``INSERT`` fall short, and the locked pass looks up every receipt of the batch first.

    :raises _Conflict: (``optimistic`` only) the stored session is no longer the one judged, or a ``seq`` was
        already answered.
    """
    check_open(session)
    stored = {} if optimistic else stored_answers(session, [(item.kind, item.seq) for item in items])
    todo = [item for item in items if (item.kind.value, item.seq) not in stored]
    engine = engine_for(session.config)
    outcomes = engine.observe_batch(
        SessionState.from_json(session.engine_state),
        [(item.kind, item.data, item.seq, item.captured_at) for item in todo],
    )
    retried = [(item.kind, item.seq) for item, outcome in zip(todo, outcomes, strict=True) if outcome.duplicate]
    if retried:
        stored |= stored_answers(session, retried)
    fresh = [(item, outcome) for item, outcome in zip(todo, outcomes, strict=True) if not outcome.duplicate]
    results: dict[tuple[str, int], dict[str, Any]] = {}
    records: list[ViolationRecord] = []
    if fresh:
        if not save_state(session, outcomes[-1].state.to_json()):
            if optimistic:
                raise _Conflict
            raise SessionEnded("the session has ended; it takes no more observations")  # pragma: no cover
        for item, outcome in fresh:
            rows = violation_records(session, engine, outcome.violations, None, item.captured_at)
            records += rows
            violations = [violation_json(r, has_evidence=False) for r in rows]
            results[item.kind.value, item.seq] = {**item.answer, "violations": violations}
        if insert_receipts(session, results) < len(results):
            raise _Conflict  # locked, the receipts were looked up first: never
        ViolationRecord.objects.bulk_create(records)
        caused = [violation for _, outcome in fresh for violation in outcome.violations]
        if caused:
            info = session_info(session)
            for violation in caused:
                service_config().plugins.violation_recorded(violation, info)
    answers = []
    for item in items:
        key = (item.kind.value, item.seq)
        if key in results:
            answers.append((results[key], True))
        else:  # a retry: its stored answer (none if it is older than the receipts kept)
            answers.append((stored.get(key) or {**item.answer, "violations": []}, False))
    failures = tuple(failure for _, outcome in fresh for failure in outcome.failures)
    return answers, failures


def stored_answers(
    session: ProctoringSession, keys: Sequence[tuple[ObservationKind, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """The answers already given to these ``(stream, seq)``, in one query."""
    seqs = {seq for _, seq in keys}
    streams = {kind.value for kind, _ in keys}
    found = ObservationReceipt.objects.filter(session=session, stream__in=streams, seq__in=seqs)
    wanted = {(kind.value, seq) for kind, seq in keys}
    return {
        (stream, seq): response
        for stream, seq, response in found.values_list("stream", "seq", "response")
        if (stream, seq) in wanted
    }


def save_state(session: ProctoringSession, engine_state: dict[str, Any]) -> bool:
    """``UPDATE`` the state and raise the version if the row is active and still at the version read; False if not.

    Plain SQL, built from the model's own columns: this runs for every observation.
    """
    meta, connection = ProctoringSession._meta, connections[ProctoringSession.objects.db]
    quote = connection.ops.quote_name
    state_field, version_field = meta.get_field("engine_state"), meta.get_field("version")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote(state_field.column)} = %s, {quote(version_field.column)} = %s "
            f"WHERE {quote(meta.pk.column)} = %s AND {quote(meta.get_field('active').column)} = %s "
            f"AND {quote(version_field.column)} = %s",
            [
                state_field.get_db_prep_save(engine_state, connection),
                session.version + 1,
                meta.pk.get_db_prep_value(session.pk, connection),
                True,
                session.version,
            ],
        )
        return cursor.rowcount == 1


def violation_records(session, engine, violations, frame: Frame | None, captured_at: float | None):
    """The rows of new violations, with the frame as evidence of a frame violation if the exam keeps it."""
    evidence, evidence_expires = None, None
    if frame is not None and engine.config.keep_evidence and any(not v.notice for v in violations):
        evidence = encode_evidence(frame)
        evidence_expires = to_datetime(now()) + timedelta(days=engine.config.evidence_retention_days)
    return [
        ViolationRecord(
            id=violation.id,
            session=session,
            code=violation.code,
            occurred_at=to_datetime(violation.at),
            captured_at=to_datetime(captured_at) if captured_at is not None else None,
            notice=violation.notice,
            rule=violation.rule.to_json(),
            detail=dict(violation.detail),
            evidence_jpeg=None if violation.notice else evidence,
            evidence_expires_at=None if violation.notice or evidence is None else evidence_expires,
        )
        for violation in violations
    ]


def insert_receipt(session: ProctoringSession, kind: ObservationKind, seq: int, result: dict[str, Any]) -> bool:
    """Store the answer to this ``seq`` (``INSERT ... ON CONFLICT DO NOTHING``); False: it was already answered."""
    table = ObservationReceipt._meta.db_table
    connection = connections[ObservationReceipt.objects.db]
    response = ObservationReceipt._meta.get_field("response").get_db_prep_save(result, connection)
    created = ObservationReceipt._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    session_id = ProctoringSession._meta.pk.get_db_prep_value(session.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (session_id, stream, seq, response, created_at) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            [session_id, kind.value, seq, response, created],
        )
        return cursor.rowcount == 1


def insert_receipts(session: ProctoringSession, answers: Mapping[tuple[str, int], dict[str, Any]]) -> int:
    """Store the answers to these ``(stream, seq)`` in one ``INSERT ... ON CONFLICT DO NOTHING``; returns how many
    were new (fewer: some were already answered)."""
    table = ObservationReceipt._meta.db_table
    connection = connections[ObservationReceipt.objects.db]
    response_field = ObservationReceipt._meta.get_field("response")
    created = ObservationReceipt._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    session_id = ProctoringSession._meta.pk.get_db_prep_value(session.pk, connection)
    params: list[Any] = []
    for (stream, seq), result in answers.items():
        params += [session_id, stream, seq, response_field.get_db_prep_save(result, connection), created]
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(answers))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (session_id, stream, seq, response, created_at) VALUES {rows} ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount


def reuse_loaded_exam(locked: ProctoringSession, session: ProctoringSession) -> None:
    """Give the locked row the exam the caller already loaded (e.g. by the token check), saving a query.

    A session's exam never changes, so the caller's copy is as good as a fresh one.
    """
    exam_field = ProctoringSession._meta.get_field("exam")
    if locked.exam_id == session.exam_id and exam_field.is_cached(session) and not exam_field.is_cached(locked):
        locked.exam = session.exam


def violation_json(record: ViolationRecord, *, has_evidence: bool) -> dict[str, Any]:
    """A violation as the API sends it."""
    evidence_url = (
        reverse("proctor_api:violation-evidence", args=[record.session_id, record.id]) if has_evidence else None
    )
    return ViolationOut(
        id=record.id,
        code=record.code,
        at=record.occurred_at,
        captured_at=record.captured_at,
        notice=record.notice,
        rule=ViolationRule.from_json(record.rule).describe(),
        detail=record.detail,
        evidence_url=evidence_url,
    ).model_dump(mode="json")
