"""On-device analysis: verdicts judged as frames, and the spot-checks that keep a modified widget honest.

In an exam with ``analysis: device`` the widget finds faces itself and sends a verdict (faces, capture quality)
with the SHA-256 of a small JPEG of the frame, which it keeps for a few minutes (commit, then reveal). The engine
judges the verdict exactly as a frame the service analysed: the verdict becomes the same
:class:`~proctor_core.types.FrameAnalysis`. The service asks for the picture of the session's first verdict, of
every verdict that caused a violation, and of about one in :data:`SAMPLE_ONE_IN` others; it checks the hash,
finds the faces itself and records a notice when the two disagree. A requested picture that never comes is a
notice too, once :data:`REVEAL_WITHIN_S` have passed.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connections, router, transaction

from proctor_core.service.api import locked_session, session_info
from proctor_core.service.apps import service_config
from proctor_core.service.engines import now
from proctor_core.service.evidence import encode_evidence
from proctor_core.service.models import ProctoringSession, ViolationRecord, to_datetime
from proctor_core.service.recording import Observed, analyse_frame, record_batch, violation_json
from proctor_core.service.session_lookup import Conversions, build, columns
from proctor_core.service.spotcheck_models import VerdictCheck
from proctor_core.types import FrameAnalysis, ObservationKind, Violation, ViolationRule

SAMPLE_ONE_IN = 100
"""Besides the first verdict and every verdict that caused a violation, one verdict in this many is checked."""

REVEAL_WITHIN_S = 120.0
"""A requested picture not received within this long is recorded as missing (the widget keeps them longer)."""

YAW_TOLERANCE_DEG = 10.0
"""A lone face's turned verdicts may differ when the two yaw estimates are this close (a face near the limit)."""

MISMATCH = "device_verdict_mismatch"
"""Notice code: the picture does not match the verdict (another picture, another face count, another pose)."""

MISSING = "device_verdict_unrevealed"
"""Notice code: the widget did not send a picture the service asked for."""

_NOTICE_RULE = ViolationRule()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the widget found in one frame, and its commitment to the frame's JPEG."""

    seq: int
    captured_at: float | None
    analysis: FrameAnalysis
    sha256: str


def record_verdicts(
    session: ProctoringSession, verdicts: Sequence[Verdict], audio: Sequence[Observed] = (),
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Judge a batch of verdicts as frames (and the audio reports sent with them), decide which pictures to ask
    for, and return the JSON answer: each observation's answer and the ``reveal`` list of verdict seqs whose
    picture the widget must send. A retried verdict gets its first answer and creates nothing.

    Besides the recording (:func:`~proctor_core.service.recording.record_batch`) this costs one plain query for
    the session's open checks, and one ``INSERT`` when a picture is asked for.
    """
    known = open_checks(session)
    first = not known  # no check yet: the session's first verdict is checked
    items = [
        Observed(ObservationKind.FRAME, v.analysis, v.seq, v.captured_at,
                 {"face_status": v.analysis.face_status.value, "faces": v.analysis.face_count})
        for v in verdicts
    ]
    answers = record_batch(session, [*items, *audio])
    rng = rng or random.Random()
    asked_at = to_datetime(now())
    new_checks = []
    for verdict, (answer, fresh) in zip(verdicts, answers, strict=False):
        if not fresh:
            continue
        caused = [v["id"] for v in answer["violations"] if not v["notice"]]
        if wants_picture(caused=bool(caused), first=first, rng=rng):
            new_checks.append(VerdictCheck(
                session=session, seq=verdict.seq, sha256=verdict.sha256, verdict=verdict_json(verdict.analysis),
                violation_ids=caused, requested_at=asked_at,
            ))
        first = False
    if new_checks:
        VerdictCheck.objects.bulk_create(new_checks, ignore_conflicts=True)
    deadline = asked_at - timedelta(seconds=REVEAL_WITHIN_S)
    reveal_seqs = set()
    batch = {verdict.seq for verdict in verdicts}
    for check in [c for c in known if c.status == VerdictCheck.REQUESTED] + new_checks:
        if check.requested_at < deadline:
            _conclude(session, check, VerdictCheck.MISSING, MISSING, {"seq": check.seq})
        elif check.seq in batch:
            reveal_seqs.add(check.seq)
    return {
        "verdicts": [{"seq": v.seq, **answer} for v, (answer, _) in zip(verdicts, answers, strict=False)],
        "audio": [{"seq": a.seq, **answer} for a, (answer, _) in zip(audio, answers[len(verdicts):], strict=True)],
        "reveal": sorted(reveal_seqs),
    }


def open_checks(session: ProctoringSession) -> list[VerdictCheck]:
    """The session's checks waiting for a picture, and its first check (so none at all means none yet).

    One plain SELECT per batch (:func:`_open_checks_plan`), its rows built as the ORM builds them.
    """
    alias = router.db_for_read(VerdictCheck)
    sql, conversions = _open_checks_plan(alias)
    session_id = ProctoringSession._meta.pk.get_db_prep_value(session.pk, connections[alias])
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [session_id, VerdictCheck.REQUESTED, session_id])
        rows = cursor.fetchall()
    return [build(VerdictCheck, alias, conversions, row) for row in rows]


@cache
def _open_checks_plan(alias: str) -> tuple[str, Conversions]:
    quote, meta = connections[alias].ops.quote_name, VerdictCheck._meta
    table, pk, session = quote(meta.db_table), quote(meta.pk.column), quote(meta.get_field("session").column)
    selected, conversions = columns(VerdictCheck, alias)
    sql = (
        f"SELECT {selected} FROM {table} WHERE {session} = %s AND ({quote(meta.get_field('status').column)} = %s "
        f"OR {pk} = (SELECT MIN({pk}) FROM {table} WHERE {session} = %s))"
    )
    return sql, conversions


def wants_picture(*, caused: bool, first: bool, rng: random.Random) -> bool:
    """Whether to ask for a verdict's picture: always for a violation and the session's first verdict, else
    one in :data:`SAMPLE_ONE_IN` at random."""
    return caused or first or rng.randrange(SAMPLE_ONE_IN) == 0


def reveal(session: ProctoringSession, check: VerdictCheck, image: bytes) -> dict[str, Any]:
    """Check a requested picture against its commitment and its verdict; returns the outcome as JSON.

    :raises InvalidImage: the picture matches its hash but cannot be decoded (the check stays open).
    """
    detail: dict[str, Any] = {"seq": check.seq, "device_faces": len(check.verdict["faces"])}
    if not hmac.compare_digest(hashlib.sha256(image).hexdigest(), check.sha256):
        return _conclude(session, check, VerdictCheck.HASH_MISMATCH, MISMATCH, {**detail, "reason": "hash"})
    frame, analysis = analyse_frame(image)
    check.server_faces = analysis.face_count
    detail["server_faces"] = analysis.face_count
    reason = disagreement(check.verdict, analysis)
    if reason:
        return _conclude(session, check, VerdictCheck.DISAGREED, MISMATCH, {**detail, "reason": reason})
    if check.violation_ids and session.exam_config().keep_evidence:
        expires = to_datetime(now()) + timedelta(days=session.exam_config().evidence_retention_days)
        ViolationRecord.objects.filter(session=session, id__in=check.violation_ids, notice=False).update(
            evidence_jpeg=encode_evidence(frame), evidence_expires_at=expires
        )
    return _conclude(session, check, VerdictCheck.AGREED, None, detail)


def disagreement(verdict: dict[str, Any], analysis: FrameAnalysis) -> str | None:
    """Why the widget's verdict and the service's analysis of the same picture disagree, or ``None``."""
    device = verdict["faces"]
    if len(device) != analysis.face_count:
        return "face_count"
    if len(device) == 1:
        mine, theirs = device[0], analysis.faces[0]
        if bool(mine.get("turned")) != bool(theirs.turned):
            close = (
                mine.get("yaw_deg") is not None and theirs.yaw_deg is not None
                and abs(mine["yaw_deg"] - theirs.yaw_deg) <= YAW_TOLERANCE_DEG
            )
            if not close:
                return "orientation"
    return None


def verdict_json(analysis: FrameAnalysis) -> dict[str, Any]:
    """What the widget said, as stored with a check."""
    faces = [
        {"x": f.x, "y": f.y, "width": f.width, "height": f.height, "score": f.score, "yaw_deg": f.yaw_deg,
         "turned": f.turned}
        for f in analysis.faces
    ]
    return {"faces": faces, "quality": analysis.quality.value, "width": analysis.width, "height": analysis.height}


def _conclude(
    session: ProctoringSession, check: VerdictCheck, status: str, notice: str | None, detail: dict[str, Any]
) -> dict[str, Any]:
    """Save the check's outcome and, on a disagreement, its notice (0 points; the reviewer sees it)."""
    with transaction.atomic():
        locked = locked_session(session.pk)
        check.status = status
        check.revealed_at = to_datetime(now()) if status != VerdictCheck.MISSING else None
        check.save(update_fields=["status", "server_faces", "revealed_at"])
        outcome: dict[str, Any] = {"seq": check.seq, "status": status, "violations": []}
        if notice is None:
            return outcome
        violation = Violation(code=notice, at=now(), rule=_NOTICE_RULE, detail=detail, notice=True)
        row = ViolationRecord.objects.create(
            id=violation.id, session=locked, code=notice, occurred_at=to_datetime(violation.at), notice=True,
            rule=_NOTICE_RULE.to_json(), detail=detail,
        )
        service_config().plugins.violation_recorded(violation, session_info(locked))
        outcome["violations"] = [violation_json(row, has_evidence=False)]
    return outcome


__all__ = [
    "MISMATCH", "MISSING", "SAMPLE_ONE_IN", "Verdict", "disagreement", "record_verdicts", "reveal", "wants_picture",
]
