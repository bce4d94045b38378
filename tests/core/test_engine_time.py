"""Server time is the authority: hostile or broken client clocks cannot freeze a stream or reorder its episodes.

One minute of ordinary traffic (a frame and an audio report every second, 14 tab switches, silence from the 3rd
second) is replayed with the client's ``captured_at`` taken from different client clocks; every variant must give
what a correct clock gives: 14 tab switches, silence logged every 5 s after 10 s, no monitoring gap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from proctor_core.config import ExamConfig
from proctor_core.engine import Engine
from proctor_core.plugins import make_plugin_manager
from proctor_core.testing import FakeClock, analysis, audio, face, page
from proctor_core.types import ObservationKind

FRAME, AUDIO, PAGE = ObservationKind.FRAME, ObservationKind.AUDIO, ObservationKind.PAGE
START = 1_000.0
ONE = analysis(faces=[face()])


def traffic() -> list[tuple[float, ObservationKind, object]]:
    """(seconds after start, kind, data) of one minute, in sending order."""
    events = [(float(t), FRAME, ONE) for t in range(1, 61)]
    events += [(t + 0.5, AUDIO, audio(silent=t >= 3)) for t in range(1, 61)]
    for k in range(14):
        events += [(3.2 + 4 * k, PAGE, page("tab_hidden")), (4.7 + 4 * k, PAGE, page("tab_visible"))]
    return sorted(events, key=lambda event: event[0])


def replay(client: Callable[[float, int], float | None]):
    """Send :func:`traffic` at the server times it names; ``client(server time, index)`` gives ``captured_at``.

    Returns the violations as (seconds after start, code) and the judged times as (server time, judged time).
    """
    clock = FakeClock(START)
    engine = Engine(ExamConfig.from_preset("interview"), make_plugin_manager(load_entrypoints=False), clock=clock)
    state = engine.start()
    fired, judged = [], []
    for index, (offset, kind, data) in enumerate(traffic()):
        clock.now = START + offset
        outcome = engine.observe(state, kind, data, captured_at=client(clock.now, index))
        state = outcome.state
        judged.append((clock.now, outcome.judged_at))
        fired += [(round(v.at - START, 1), v.code) for v in outcome.violations]
    return fired, judged


CONTROL, _ = replay(lambda now, i: now - 0.05)  # a correct clock, 50 ms of network delay
POISON_AT = 5  # index of the observation carrying the hostile value (a frame, before the silence is long)


def test_the_control_session() -> None:
    counts = Counter(code for _, code in CONTROL)
    assert counts == {"tab_switch": 14, "silence": 10}
    assert [at for at, code in CONTROL if code == "silence"][:2] == [13.5, 18.5]


@pytest.mark.parametrize(
    "client",
    [
        pytest.param(lambda now, i: now + 3_600, id="client clock one hour ahead"),
        pytest.param(lambda now, i: now - 3_600 - 0.05, id="client clock one hour behind"),
        pytest.param(lambda now, i: None, id="no captured_at at all"),
    ],
)
def test_a_wrong_but_steady_client_clock_changes_nothing(client) -> None:
    fired, judged = replay(client)
    assert [code for _, code in fired] == [code for _, code in CONTROL]
    assert all(abs(at - expected) <= 0.1 for (at, _), (expected, _) in zip(fired, CONTROL, strict=True))
    assert all(now - 0.1 <= at <= now for now, at in judged)


@pytest.mark.parametrize(
    "hostile",
    [1e10, 1.0, 253_402_300_000.0, START + 30, START - 30],
    ids=["year-2286", "epoch", "year-9999", "30s-ahead", "30s-behind"],
)
def test_one_hostile_captured_at_cannot_freeze_the_session(hostile: float) -> None:
    """The issue's probe: one observation with captured_at = 1e10, then normal traffic."""
    fired, judged = replay(lambda now, i: hostile if i == POISON_AT else now - 0.05)
    assert Counter(code for _, code in fired) == {"tab_switch": 14, "silence": 10}
    assert fired == CONTROL
    after = judged[POISON_AT + 1 :]
    assert all(now - 0.1 <= at <= now for now, at in after), "later observations are judged when they happen"


def test_repeated_hostile_values_never_freeze_a_stream() -> None:
    """Every fifth observation lies, alternately far in the future and far in the past."""
    fired, judged = replay(lambda now, i: (1e10 if i % 10 else 1.0) if i % 5 == 0 else now - 0.05)
    assert Counter(code for _, code in fired) == {"tab_switch": 14, "silence": 10}
    assert all(at <= now for now, at in judged)
    assert all(now - 0.1 <= at for i, (now, at) in enumerate(judged) if i % 5)


@pytest.mark.parametrize("step_s", [2.0, 600.0, 36_000.0], ids=["2s", "10min", "10h"])
def test_a_client_clock_stepping_backwards(step_s: float) -> None:
    """The client's clock is set back mid-session (e.g. an NTP correction): episodes still count, time goes on."""
    fired, judged = replay(lambda now, i: now - 0.05 - (step_s if now >= START + 20 else 0))
    assert Counter(code for _, code in fired) == {"tab_switch": 14, "silence": 10}
    streams: dict[int, float] = {}
    for (now, at), (_, kind, _) in zip(judged, traffic(), strict=True):
        assert at <= now and at >= streams.get(kind, 0.0), "a stream never moves backwards"
        streams[kind] = at
    assert all(now - 0.1 <= at for now, at in judged if now >= START + 21)


def test_a_client_clock_stepping_forwards() -> None:
    fired, judged = replay(lambda now, i: now - 0.05 + (900 if now >= START + 20 else 0))
    assert Counter(code for _, code in fired) == {"tab_switch": 14, "silence": 10}
    assert all(now - 0.1 <= at <= now for now, at in judged)


def test_buffered_observations_within_the_window_still_count_when_they_happened() -> None:
    """An outage of 60 s: everything captured meanwhile arrives at once and is judged at its capture times."""
    clock = FakeClock(START)
    engine = Engine(ExamConfig.from_preset("interview"), make_plugin_manager(load_entrypoints=False), clock=clock)
    state = engine.start()
    clock.now = START + 1
    state = engine.observe(state, PAGE, page("tab_visible"), captured_at=clock.now).state
    clock.now = START + 70
    fired = []
    for k in range(10):  # ten tab switches during the outage
        for offset, kind in ((5 + 6 * k, "tab_hidden"), (7 + 6 * k, "tab_visible")):
            outcome = engine.observe(state, PAGE, page(kind), captured_at=START + offset)
            state = outcome.state
            fired += [round(v.at - START) for v in outcome.violations]
    assert fired == [5 + 6 * k for k in range(10)]


def test_buffered_observations_older_than_the_window_are_judged_on_arrival() -> None:
    clock = FakeClock(START)
    config = ExamConfig.from_preset("interview").model_copy(update={"max_buffer_s": 30.0})
    engine = Engine(config, make_plugin_manager(load_entrypoints=False), clock=clock)
    state = engine.start()
    clock.now = START + 1
    state = engine.observe(state, FRAME, ONE, captured_at=clock.now).state
    clock.now = START + 100
    outcome = engine.observe(state, FRAME, ONE, captured_at=START + 50)  # 50 s old: beyond the window
    assert outcome.judged_at == START + 100
    outcome = engine.observe(outcome.state, FRAME, ONE, captured_at=START + 80)  # 20 s old: within it
    assert outcome.judged_at == START + 100  # never before the stream's last observation
    clock.now = START + 101
    assert engine.observe(outcome.state, FRAME, ONE, captured_at=START + 101).judged_at == START + 101


def replay_in_batches(client: Callable[[float, int], float | None], every_s: float = 5.0):
    """:func:`replay`, but the frames and audio reports wait and are judged together every ``every_s`` seconds of
    server time (as the on-device widget sends them); page events go at once.

    Returns the violations as (seconds after start, code) and each observation's judged time, in traffic order.
    """
    clock = FakeClock(START)
    engine = Engine(ExamConfig.from_preset("interview"), make_plugin_manager(load_entrypoints=False), clock=clock)
    state = engine.start()
    fired: list[tuple[float, str]] = []
    judged: dict[int, float] = {}
    waiting: list[tuple[int, float, ObservationKind, object, float | None]] = []

    def judge(indexes: list[int], outcomes) -> None:
        nonlocal state
        for index, outcome in zip(indexes, outcomes, strict=True):
            fired.extend((round(v.at - START, 1), v.code) for v in outcome.violations)
            judged[index] = outcome.judged_at
        state = outcomes[-1].state

    def send_batch() -> None:
        clock.now = START + waiting[-1][1]  # with the newest, as it would have arrived alone
        batch = [(kind, data, None, captured_at) for _, _, kind, data, captured_at in waiting]
        judge([index for index, *_ in waiting], engine.observe_batch(state, batch))
        waiting.clear()

    for index, (offset, kind, data) in enumerate(traffic()):
        if waiting and offset >= every_s * (int(waiting[0][1] // every_s) + 1):
            send_batch()
        clock.now = START + offset
        if kind is PAGE:
            judge([index], [engine.observe(state, kind, data, captured_at=client(clock.now, index))])
        else:
            waiting.append((index, offset, kind, data, client(clock.now, index)))
    send_batch()
    return sorted(fired), [judged[index] for index in range(len(judged))]


_, CONTROL_JUDGED = replay(lambda now, i: now - 0.05)


@pytest.mark.parametrize("skew", [0.0, 3600.0, -86_400.0], ids=["right", "an hour ahead", "a day behind"])
def test_batches_spanning_seconds_are_judged_as_observations_sent_one_by_one(skew: float) -> None:
    """The first batch too (here before any page event told the clock): the client's clock offset is learnt from
    the batch's newest capture time, so each observation is judged at the time it would have been alone."""
    fired, judged = replay_in_batches(lambda now, i: now + skew - 0.05, every_s=3.0)
    assert fired == sorted(CONTROL)
    assert judged == pytest.approx([at for _, at in CONTROL_JUDGED], abs=1e-6)


def test_a_batch_with_a_capture_time_in_the_future_is_judged_at_arrival_and_the_next_recovers() -> None:
    fired, judged = replay_in_batches(lambda now, i: now + 10**6 if i == POISON_AT else now - 0.05)
    assert Counter(code for _, code in fired) == Counter(code for _, code in CONTROL)
    assert all(at <= START + 61 for at in judged)
    assert judged[-10:] == pytest.approx([at for _, at in CONTROL_JUDGED][-10:], abs=1e-6)
