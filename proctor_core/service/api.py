"""The service's in-process API: exams, sessions, tokens and scoring, for the REST views, the pages and the LTI adapter.

Sessions are changed only inside a transaction that holds the session row (``select_for_update``; on SQLite the
immediate transaction's write lock), so concurrent requests never lose an update. Observations are recorded by
:mod:`proctor_core.service.recording`, with an optimistic write (the session's ``version``) that falls back to
that lock when another request saved the session first.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.urls import get_script_prefix, reverse

from proctor_core.config import ExamConfig
from proctor_core.engine import SessionState
from proctor_core.scoring import describe_notice, receipt_lines
from proctor_core.service.apps import service_config
from proctor_core.service.engines import engine_for, now
from proctor_core.service.exceptions import SessionEnded, SessionNotFound, UnknownExam
from proctor_core.service.models import Candidate, Exam, ProctoringSession, to_datetime
from proctor_core.service.session_lookup import session_with_exam
from proctor_core.service.tokens import hash_token, new_token, result_key
from proctor_core.types import Coverage, Penalty, RiskLevel, ScoreReport, SessionInfo


def validated_config(config: ExamConfig | Mapping) -> ExamConfig:
    """The configuration, checked against the loaded plugins.

    :raises ConfigError: unknown detector or policy names (listing the available ones), or invalid options.
    """
    return engine_for(config).config


def get_or_create_exam(
    slug: str, *, title: str, config: ExamConfig | None = None, standalone: bool = False
) -> Exam:
    """The exam with this slug, created with ``title`` and ``config`` (default: the interview preset) if new.

    An existing exam is returned unchanged; use :func:`update_exam_config` to change its rules.
    """
    exam_config = validated_config(config or ExamConfig.from_preset("interview"))
    exam, _ = Exam.objects.get_or_create(
        slug=slug,
        defaults={"title": title, "config": exam_config.model_dump(mode="json"), "standalone": standalone},
    )
    return exam


def update_exam_config(exam: Exam, config: ExamConfig) -> Exam:
    """Change an exam's rules; sessions already open keep the rules they started with."""
    exam.config = validated_config(config).model_dump(mode="json")
    exam.save(update_fields=["config", "updated_at"])
    return exam


def standalone_exam(slug: str | None) -> Exam:
    """The stand-alone exam named by ``slug`` (the default exam when ``None``).

    :raises UnknownExam: no stand-alone exam has that slug; the details list the available ones.
    """
    slug = slug or service_config().conf.DEFAULT_EXAM
    exam = Exam.objects.filter(slug=slug, standalone=True).first()
    if exam is None:
        available = list(Exam.objects.filter(standalone=True).values_list("slug", flat=True))
        raise UnknownExam(
            f"no stand-alone exam {slug!r}; available: {', '.join(available) or 'none (run `proctor demo`)'}",
            details={"available": available},
        )
    return exam


def _candidate(name: str, email: str, external_id: str) -> Candidate:
    if external_id:
        candidate, _ = Candidate.objects.get_or_create(
            external_id=external_id, defaults={"name": name, "email": email}
        )
        if (candidate.name, candidate.email) != (name, email):
            candidate.name, candidate.email = name, email
            candidate.save(update_fields=["name", "email"])
        return candidate
    return Candidate.objects.create(name=name, email=email)


def open_session(
    *, exam: Exam, name: str, email: str, external_id: str = "", context: Mapping[str, str] | None = None
) -> tuple[ProctoringSession, str]:
    """Open a session for a candidate and return it with its bearer token (shown once, stored hashed).

    :param external_id: the candidate's identity in an LMS; a known one updates that candidate's name and email.
    :param context: string pairs handed to plugins with the session (e.g. LTI resource link ids).
    :raises ConfigError: the exam's configuration does not validate against the loaded plugins.
    """
    engine = engine_for(exam.config)
    token, token_hash = new_token()
    started = now()
    with transaction.atomic():
        session = ProctoringSession.objects.create(
            exam=exam,
            candidate=_candidate(name, email, external_id),
            token_hash=token_hash,
            started_at=to_datetime(started),
            expires_at=to_datetime(started + service_config().conf.SESSION_TTL_S),
            config=engine.config.model_dump(mode="json"),
            engine_state=engine.start(at=started).to_json(),
            context=dict(context or {}),
        )
    return session, token


def reissue_token(session: ProctoringSession) -> str:
    """Replace the session's token (the old one stops working) and return the new one, e.g. to resume a session."""
    token, token_hash = new_token()
    conf = service_config().conf
    ttl = conf.SESSION_TTL_S if session.active else conf.RESULT_TTL_S
    session.token_hash = token_hash
    session.expires_at = to_datetime(now() + ttl)
    session.save(update_fields=["token_hash", "expires_at"])
    return token


def session_by_token(token: str) -> ProctoringSession | None:
    """The session this token opens, or ``None``; expiry is the caller's to check."""
    return session_with_exam(hash_token(token))


def locked_session(session_id: object) -> ProctoringSession:
    """The session row, locked until the surrounding transaction ends.

    :raises SessionNotFound: no session has this id.
    """
    try:
        return ProctoringSession.objects.select_for_update().get(pk=session_id)
    except ProctoringSession.DoesNotExist:
        raise SessionNotFound("no proctoring session has this id") from None


def session_info(session: ProctoringSession) -> SessionInfo:
    """The session as notification hooks see it."""
    return SessionInfo(
        id=str(session.pk),
        exam=session.exam.slug,
        started_at=session.started_at.timestamp(),
        ended_at=session.ended_at.timestamp() if session.ended_at else None,
        context={str(k): str(v) for k, v in session.context.items()},
    )


def stored_report(session: ProctoringSession) -> ScoreReport:
    """The score report saved when the session ended (its notices and receipt read from the recorded violations)."""
    violations = [record.to_violation() for record in session.violations.defer("evidence_jpeg")]
    penalties = tuple(Penalty(**row) for row in session.penalties)
    return ScoreReport(
        score=session.score,
        risk_level=RiskLevel(session.risk_level),
        penalties=penalties,
        policy=session.policy,
        coverage=Coverage.from_json(session.coverage) if session.coverage else None,
        review_reasons=tuple(session.review_reasons),
        notices=tuple(describe_notice(v) for v in violations if v.notice),
        receipt=receipt_lines(penalties, violations),
    )


def live_coverage(session: ProctoringSession) -> Coverage:
    """How much of a running session has been watched so far (a scored session has its coverage stored)."""
    return engine_for(session.config).coverage(SessionState.from_json(session.engine_state), now())


def end_session(session: ProctoringSession) -> ScoreReport:
    """End the session and score it, with its coverage under the exam's rule; ending it again returns the same report.

    Scoring, saving and the ``proctor_session_scored`` hook happen in one transaction: a plugin that queues a
    grade sees the saved score, and a failed save queues nothing.
    """
    with transaction.atomic():
        locked = locked_session(session.pk)
        if not locked.active:
            return stored_report(locked)
        violations = [record.to_violation() for record in locked.violations.all()]
        engine, ended = engine_for(locked.config), now()
        report = engine.score(violations, engine.coverage(SessionState.from_json(locked.engine_state), ended))
        locked.active = False
        locked.ended_at = to_datetime(ended)
        locked.expires_at = min(locked.expires_at, to_datetime(ended + service_config().conf.RESULT_TTL_S))
        locked.score = report.score
        locked.risk_level = report.risk_level.value
        locked.policy = report.policy
        locked.penalties = report.to_json()["penalties"]
        locked.coverage = report.coverage.to_json() if report.coverage else None
        locked.review_reasons = list(report.review_reasons)
        locked.save()
        locked.receipts.all().delete()
        service_config().plugins.session_scored(report, session_info(locked))
    return report


def start_monitoring(session: ProctoringSession) -> ProctoringSession:
    """Record that monitoring started (consent given, device check passed); the first time counts.

    A page that reloads during monitoring then resumes it without asking for consent again.

    :raises SessionEnded: the session has ended.
    """
    with transaction.atomic():
        locked = locked_session(session.pk)
        if not locked.active:
            raise SessionEnded("the session has ended; monitoring cannot start")
        if locked.monitoring_started_at is None:
            locked.monitoring_started_at = to_datetime(now())
            locked.save(update_fields=["monitoring_started_at"])
    session.monitoring_started_at = locked.monitoring_started_at
    return session


def api_base() -> str:
    """URL prefix of REST API v1, e.g. ``/api/v1`` (respecting a deployment under a sub-path)."""
    return f"{get_script_prefix()}api/v1"


def result_url(session: ProctoringSession) -> str:
    """The candidate's receipt page; its key lets whoever holds the link read this session's result."""
    return f"{reverse('proctor:result', args=[session.pk])}?key={result_key(session.pk)}"


def monitor_page_context(session: ProctoringSession, token: str) -> dict[str, object]:
    """Context for the template ``proctor/monitor.html``: everything the capture widget needs.

    The exam's evidence rule is passed so the consent screen can say exactly what is kept, and for how long.
    """
    config = session.exam_config()
    return {
        "keep_evidence": config.keep_evidence,
        "evidence_retention_days": config.evidence_retention_days,
        "session_id": str(session.pk),
        "token": token,
        "api_base": api_base(),
        "exam_title": session.exam.title,
        "candidate_name": session.candidate.name,
        "result_url": result_url(session),
    }


__all__ = [
    "api_base",
    "end_session",
    "get_or_create_exam",
    "live_coverage",
    "locked_session",
    "monitor_page_context",
    "open_session",
    "reissue_token",
    "result_url",
    "session_by_token",
    "session_info",
    "standalone_exam",
    "start_monitoring",
    "stored_report",
    "update_exam_config",
    "validated_config",
]
