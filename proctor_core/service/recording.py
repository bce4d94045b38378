"""Recording observations: the expensive work outside the session lock, the engine and the saves under it.

A frame is decoded and its faces found before any lock is taken. Then, in one transaction holding the session
row, the engine judges the observation against the stored state, and the new state, the violations (with
evidence when the exam keeps it), the answer for retries and the ``proctor_violation_recorded`` hooks are
saved or fired together. A retry with a ``seq`` already answered gets the stored answer and records nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse

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
    """Judge one observation under the session lock, save what it caused, and return the JSON answer.

    :param frame: the decoded frame, kept as evidence for a frame violation if the exam keeps evidence.
    :param answer: fields of the answer besides ``violations`` (e.g. the face status of a frame).
    :raises SessionEnded: the session has ended.
    """
    with transaction.atomic():
        locked = locked_session(session.pk)
        check_open(locked)
        replay = stored_answer(locked, kind, seq)
        if replay is not None:
            return replay
        engine = engine_for(locked.config)
        outcome = engine.observe(
            SessionState.from_json(locked.engine_state), kind, data, seq=seq, captured_at=captured_at
        )
        locked.engine_state = outcome.state.to_json()
        locked.save(update_fields=["engine_state"])

        evidence, evidence_expires = None, None
        if frame is not None and engine.config.keep_evidence and any(not v.notice for v in outcome.violations):
            evidence = encode_evidence(frame)
            evidence_expires = to_datetime(now()) + timedelta(days=engine.config.evidence_retention_days)
        records = [
            ViolationRecord(
                id=violation.id,
                session=locked,
                code=violation.code,
                occurred_at=to_datetime(violation.at),
                captured_at=to_datetime(captured_at) if captured_at is not None else None,
                notice=violation.notice,
                rule=violation.rule.to_json(),
                detail=dict(violation.detail),
                evidence_jpeg=None if violation.notice else evidence,
                evidence_expires_at=None if violation.notice or evidence is None else evidence_expires,
            )
            for violation in outcome.violations
        ]
        ViolationRecord.objects.bulk_create(records)
        violations = [violation_json(r, has_evidence=r.evidence_jpeg is not None) for r in records]
        result = {**(answer or {}), "violations": violations}
        if seq is not None:
            ObservationReceipt.objects.create(session=locked, stream=kind.value, seq=seq, response=result)
        if outcome.violations:
            reuse_loaded_exam(locked, session)
            info = session_info(locked)
            for violation in outcome.violations:
                service_config().plugins.violation_recorded(violation, info)
    for failure in outcome.failures:
        log.warning("detector %s failed in session %s: %s", failure.detector, session.pk, failure.error)
    return result


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
