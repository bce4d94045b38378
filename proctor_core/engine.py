"""The violations engine: detectors' signals plus rules (threshold, cooldown, episodes) give violations.

Detectors are stateless; the engine owns time and per-session state. It never keeps state between calls: the
caller loads a :class:`SessionState`, calls :meth:`Engine.observe`, and stores the new state from the
the :class:`ObservationOutcome` (the service does so under a row lock). An injected ``clock`` makes tests exact.

Time. The server's clock is the authority; the client's ``captured_at`` only says how long ago, within a bound,
an observation happened (a widget buffers observations through a network outage). The engine learns the client's
clock offset as the smallest ``server time - client time`` seen in the session (a buffered event shows a larger
difference, a fresh one the true offset plus the network delay), so a client whose clock is wrong still gets the
right intervals. An observation is judged at its capture time moved onto the server's clock, which by
construction is never after the server's now. If that time is before the previous observation of its stream,
before the session start, or more than ``max_buffer_s`` (exam configuration) before now, the client's clock has
jumped back or lies: the observation is judged at its receive time and the offset is learnt afresh from it. So
no value of ``captured_at`` can stop a stream's clock, move it backwards or push later observations into the
past: the worst a wrong value does is to judge one observation at the moment it arrived (docs/decisions/0006).
A repeated ``seq`` on a stream is recognised and changes nothing.

Coverage. The engine also tracks, per device, the time covered by working observations (usable frames, audio
reports) and the gaps between them (:mod:`proctor_core.coverage`), so :meth:`Engine.coverage` measures at the end
how much of the session was really watched, and :meth:`Engine.score` applies the exam's coverage rule.

Each stream's clock starts at its first observation, not at the session's creation: the candidate's consent and
device check come in between, and are not monitored time. So "no face for more than 5 s" counts from the first
frame at the earliest, and the first frame shows no gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from proctor_core.config import DetectorSettings, ExamConfig
from proctor_core.coverage import DeviceTrack, measure_coverage, track_device, working_device
from proctor_core.errors import ConfigError
from proctor_core.plugins import ProctorPlugins
from proctor_core.scoring import build_report
from proctor_core.types import (
    Coverage,
    Detector,
    DetectorFailure,
    DetectorSpec,
    Observation,
    ObservationData,
    ObservationKind,
    PenaltyPolicy,
    ScoreReport,
    Signal,
    Violation,
    ViolationRule,
)

SEEN_SEQ_WINDOW = 256
"""How many recent ``seq`` numbers per stream are remembered to recognise retries."""


@dataclass(frozen=True, slots=True)
class RuleState:
    """Where one detector's rule stands in a session."""

    last_clear_at: float
    last_fired_at: float | None = None
    active: bool = False
    last_active_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "last_clear_at": self.last_clear_at,
            "last_fired_at": self.last_fired_at,
            "active": self.active,
            "last_active_at": self.last_active_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        return cls(
            last_clear_at=float(data["last_clear_at"]),
            last_fired_at=_opt_float(data.get("last_fired_at")),
            active=bool(data.get("active", False)),
            last_active_at=_opt_float(data.get("last_active_at")),
        )


@dataclass(frozen=True, slots=True)
class StreamState:
    """When one stream began and was last judged, and the ``seq`` numbers recently handled on it."""

    first_at: float
    last_at: float
    seen_seq: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"first_at": self.first_at, "last_at": self.last_at, "seen_seq": list(self.seen_seq)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StreamState:
        return cls(
            first_at=float(data["first_at"]),
            last_at=float(data["last_at"]),
            seen_seq=tuple(int(s) for s in data.get("seen_seq", ())),
        )


@dataclass(frozen=True, slots=True)
class SessionState:
    """Everything the engine remembers about one session; stored by the caller as JSON."""

    started_at: float
    clock_offset_s: float | None = None
    rules: Mapping[str, RuleState] = field(default_factory=dict)
    streams: Mapping[str, StreamState] = field(default_factory=dict)
    devices: Mapping[str, DeviceTrack] = field(default_factory=dict)

    @property
    def last_observed_at(self) -> float | None:
        """The latest judged time of any stream, or ``None`` before the first observation."""
        return max((stream.last_at for stream in self.streams.values()), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "clock_offset_s": self.clock_offset_s,
            "rules": {code: rule.to_json() for code, rule in self.rules.items()},
            "streams": {kind: stream.to_json() for kind, stream in self.streams.items()},
            "devices": {device: track.to_json() for device, track in self.devices.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SessionState:
        return cls(
            started_at=float(data["started_at"]),
            clock_offset_s=_opt_float(data.get("clock_offset_s")),
            rules={code: RuleState.from_json(r) for code, r in data.get("rules", {}).items()},
            streams={kind: StreamState.from_json(s) for kind, s in data.get("streams", {}).items()},
            devices={device: DeviceTrack.from_json(t) for device, t in data.get("devices", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class ObservationOutcome:
    """The result of one observation: the new state and what it caused."""

    state: SessionState
    judged_at: float
    violations: tuple[Violation, ...] = ()
    failures: tuple[DetectorFailure, ...] = ()
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class ActiveDetector:
    """A detector enabled for an exam, with its effective rule and points."""

    spec: DetectorSpec
    detector: Detector
    rule: ViolationRule
    points: float
    notice: bool


class Engine:
    """Runs an exam's enabled detectors over observations and scores the resulting violations.

    :param config: the exam's rules; validated against the registered detectors and policies.
    :param plugins: the plugin manager facade.
    :param clock: returns the server time in POSIX seconds.
    :raises ConfigError: unknown detector or policy names (the message lists the available ones), or options
        that do not validate against a plugin's config model.
    """

    def __init__(
        self, config: ExamConfig, plugins: ProctorPlugins, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.clock = clock
        self.detectors = _build_detectors(config, plugins.detectors)
        self.policy_name = config.policy.name
        self.policy: PenaltyPolicy = _build_policy(config, plugins)
        self.points: dict[str, float] = {active.spec.name: active.points for active in self.detectors}
        self._by_kind: dict[ObservationKind, list[ActiveDetector]] = {}
        for active in self.detectors:
            self._by_kind.setdefault(active.spec.consumes, []).append(active)

    def consumes(self, kind: ObservationKind) -> bool:
        """Whether any enabled detector reads this kind of observation (frames need no analysis otherwise)."""
        return bool(self._by_kind.get(kind))

    def start(self, at: float | None = None) -> SessionState:
        """The state of a session that starts now (or at ``at``)."""
        return SessionState(started_at=self.clock() if at is None else at)

    def observe(
        self,
        state: SessionState,
        kind: ObservationKind,
        data: ObservationData,
        *,
        seq: int | None = None,
        captured_at: float | None = None,
    ) -> ObservationOutcome:
        """Judge one observation: run the detectors consuming ``kind`` and apply their rules."""
        now = self.clock()
        stream = state.streams.get(kind.value)
        if seq is not None and stream is not None and seq in stream.seen_seq:
            return ObservationOutcome(state=state, judged_at=stream.last_at, duplicate=True)

        judged, offset = self._judge(state, stream, now, captured_at)
        first_at = stream.first_at if stream is not None else judged
        since_previous = judged - stream.last_at if stream is not None else None
        observation = Observation(kind=kind, at=judged, data=data, since_previous_s=since_previous)

        rules = dict(state.rules)
        violations: list[Violation] = []
        failures: list[DetectorFailure] = []
        for active in self._by_kind.get(kind, ()):
            code = active.spec.name
            try:
                signal = active.detector.observe(observation)
                if signal is not None and not isinstance(signal, Signal):
                    raise TypeError(f"observe() returned {type(signal).__name__}, expected Signal or None")
            except Exception as exc:
                failures.append(DetectorFailure(detector=code, error=f"{type(exc).__name__}: {exc}"))
                continue
            if signal is None:
                continue
            current = rules.get(code) or RuleState(last_clear_at=first_at)
            rules[code], violation = _apply_rule(code, active, current, signal, judged)
            if violation is not None:
                violations.append(violation)

        seen = (stream.seen_seq if stream is not None else ()) + ((seq,) if seq is not None else ())
        streams = dict(state.streams)
        streams[kind.value] = StreamState(first_at=first_at, last_at=judged, seen_seq=seen[-SEEN_SEQ_WINDOW:])
        devices = state.devices
        device = working_device(data)
        if device is not None:
            devices = track_device(devices, device, judged, self.config.coverage.max_gap_s)
        new_state = replace(state, clock_offset_s=offset, rules=rules, streams=streams, devices=devices)
        return ObservationOutcome(
            state=new_state, judged_at=judged, violations=tuple(violations), failures=tuple(failures)
        )

    def observe_batch(
        self,
        state: SessionState,
        observations: Sequence[tuple[ObservationKind, ObservationData, int | None, float | None]],
    ) -> list[ObservationOutcome]:
        """Judge observations a client sent together, in the given order: ``(kind, data, seq, captured_at)`` each.

        A batch holds observations captured over several seconds. Sent one by one, the newest would have told
        the client's clock offset on arrival; so the offset is first learnt from the batch's newest capture time,
        and then each observation is judged as :meth:`observe` judges it. Without this, the first batch of a
        session would judge all its observations at the newest one's time. A wrong newest ``captured_at`` (in the
        future) makes the older ones fall out of bounds: that batch is judged at its arrival, and the offset is
        learnt afresh from it, as for a single observation.
        """
        times = [captured_at for *_, captured_at in observations if captured_at is not None]
        if times:
            sample = self.clock() - max(times)
            offset = sample if state.clock_offset_s is None else min(state.clock_offset_s, sample)
            state = replace(state, clock_offset_s=offset)
        outcomes = []
        for kind, data, seq, captured_at in observations:
            outcome = self.observe(state, kind, data, seq=seq, captured_at=captured_at)
            outcomes.append(outcome)
            state = outcome.state
        return outcomes

    def _judge(
        self, state: SessionState, stream: StreamState | None, now: float, captured_at: float | None
    ) -> tuple[float, float | None]:
        """The server time an observation is judged at, and the client clock offset learnt from it."""
        floor = max(state.started_at, stream.last_at if stream is not None else state.started_at)
        if captured_at is None:
            return max(now, floor), state.clock_offset_s
        sample = now - captured_at
        offset = sample if state.clock_offset_s is None else min(state.clock_offset_s, sample)
        judged = min(captured_at + offset, now)  # offset <= sample: <= now but for rounding
        if judged < max(floor, now - self.config.max_buffer_s):
            offset, judged = sample, now
        return max(judged, floor), offset

    def coverage(self, state: SessionState, end: float) -> Coverage:
        """How much of the session a working camera and microphone watched, from its first observation to ``end``."""
        start = min((stream.first_at for stream in state.streams.values()), default=state.started_at)
        return measure_coverage(state.devices, start=start, end=end, max_gap_s=self.config.coverage.max_gap_s)

    def score(self, violations: Sequence[Violation], covered: Coverage | None = None) -> ScoreReport:
        """Score a session's violations with the exam's policy and points, and apply the coverage rule if given."""
        ordered = sorted(violations, key=lambda v: (v.at, v.id))
        penalties = self.policy.penalties(ordered, self.points)
        return build_report(penalties, ordered, policy=self.policy_name, coverage=covered, rule=self.config.coverage)


def _apply_rule(
    code: str, active: ActiveDetector, state: RuleState, signal: Signal, at: float
) -> tuple[RuleState, Violation | None]:
    rule = active.rule
    if not signal.active:
        return replace(state, active=False, last_clear_at=at), None

    cooled = state.last_fired_at is None or at - state.last_fired_at >= rule.cooldown_s
    detail: dict[str, Any] = dict(signal.detail)
    if rule.episode_merge_s is not None:
        merged = state.last_active_at is not None and at - state.last_active_at <= rule.episode_merge_s
        fire = not state.active and not merged and cooled
    else:
        lasted = at - state.last_clear_at
        fire = (lasted > rule.threshold_s if rule.threshold_s > 0 else True) and cooled
        if rule.threshold_s > 0:
            detail.setdefault("lasted_s", round(lasted, 3))
    new_state = replace(
        state, active=True, last_active_at=at, last_fired_at=at if fire else state.last_fired_at
    )
    if not fire:
        return new_state, None
    return new_state, Violation(code=code, at=at, rule=rule, detail=detail, notice=active.notice)


def _build_detectors(config: ExamConfig, specs: Mapping[str, DetectorSpec]) -> list[ActiveDetector]:
    unknown = sorted(set(config.detectors) - set(specs))
    if unknown:
        raise ConfigError(
            f"unknown detector(s) {', '.join(unknown)}; available: {', '.join(specs) or 'none'}",
            details={"unknown": unknown, "available": list(specs)},
        )
    result = []
    for name, spec in specs.items():
        settings = config.detectors.get(name, DetectorSettings())
        if not settings.enabled:
            continue
        options = _validate_options(f"detector {name!r}", spec.config_model, settings.options)
        rule = ViolationRule(
            threshold_s=spec.default_rule.threshold_s if settings.threshold_s is None else settings.threshold_s,
            cooldown_s=spec.default_rule.cooldown_s if settings.cooldown_s is None else settings.cooldown_s,
            episode_merge_s=spec.default_rule.episode_merge_s,
        )
        notice = spec.notice if settings.notice is None else settings.notice
        points = 0.0 if notice else spec.default_points if settings.points is None else settings.points
        result.append(
            ActiveDetector(spec=spec, detector=spec.factory(options), rule=rule, points=points, notice=notice)
        )
    return result


def _build_policy(config: ExamConfig, plugins: ProctorPlugins) -> PenaltyPolicy:
    spec = plugins.policies.get(config.policy.name)
    if spec is None:
        raise ConfigError(
            f"unknown penalty policy {config.policy.name!r}; available: {', '.join(plugins.policies) or 'none'}",
            details={"unknown": [config.policy.name], "available": list(plugins.policies)},
        )
    options = _validate_options(f"policy {spec.name!r}", spec.config_model, config.policy.options)
    return spec.factory(options)


def _validate_options(what: str, model: Any, options: Mapping[str, Any]) -> Any:
    if model is None:
        if options:
            raise ConfigError(f"{what} takes no options; got {', '.join(sorted(options))}")
        return None
    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        fields = ", ".join(model.model_fields) or "none"
        raise ConfigError(
            f"invalid options for {what}: {exc.error_count()} error(s); its options are: {fields}",
            details=exc.errors(include_url=False, include_context=False),
        ) from exc


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)
