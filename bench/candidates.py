"""The candidates phase of bench/load.py: N simulated candidates, each sending what the widget sends.

In server mode a candidate sends a frame (raw JPEG) and an audio report every second; in on-device mode
(``--mode verdicts``) it does what ``widget/src/ondevice/batches.js`` does: a verdict and an audio report a second,
sent together every 5 s (on the candidate's own second of the five) as one ``POST /verdicts``, and the JPEG of
each verdict the answer lists in ``reveal``. Each session's first verdict, which the widget sends at once and
whose picture the service always asks for, is sent before the measured seconds and reported apart ("start").
Both modes post a tab switch now and then. The workers' CPU time is read from /proc around the load, so it holds
whatever else shares the machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time

from load import EXAMS, IMAGE_DIRS, Server, Stats, open_sessions, request, timed

REVEALED = "grace_hopper.jpg"
"""The picture behind every simulated verdict (one frontal face), sent when the service asks for it."""
FACE = {"x": 220.5, "y": 130.2, "width": 180.1, "height": 181.7, "score": 0.93, "yaw_deg": 4.2, "turned": False}
BATCH_S = 5
"""The widget sends its verdicts and audio reports every 5 s (widget/src/ondevice/batches.js)."""


def verdict(seq: int, captured_at: float, sha256: str) -> dict[str, object]:
    """The widget's verdict on one second: one face, committed to the picture by its hash."""
    return {"seq": seq, "captured_at": round(captured_at, 3), "width": 640, "height": 480, "quality": "ok",
            "sha256": sha256, "faces": [FACE]}


def audio(seq: int, captured_at: float) -> dict[str, object]:
    return {"seq": seq, "captured_at": round(captured_at, 3), "is_silent": seq % 40 == 1, "level": 12.5}


async def candidates(
    server: Server, frames: list[bytes], count: int, seconds: float, mode: str
) -> dict[str, object]:
    """``count`` candidates for ``seconds``: each sends a frame and an audio report every second, or with ``mode``
    verdicts what the widget sends in on-device mode, and a tab switch now and then."""
    port = server.port
    sessions = await open_sessions(port, count, EXAMS[mode])
    stats, reveals, late, sent = Stats(), Stats(), [0], {"seconds": 0, "reveals": 0}
    picture = revealed_picture()
    sha256 = hashlib.sha256(picture).hexdigest()
    start = await first_verdicts(server, sessions, picture) if mode == "verdicts" else None
    started = time.perf_counter()
    client_cpu, worker_cpu = time.process_time(), server.cpu_seconds()
    tasks: set[asyncio.Task] = set()

    def spawn(coroutine) -> None:
        task = asyncio.create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def batch(base: str, headers: dict[str, str], verdicts: list, reports: list) -> None:
        body = json.dumps({"verdicts": verdicts, "audio": reports}).encode()
        answer = await timed(port, "POST", base + "/verdicts", body, headers, stats)
        for seq in json.loads(answer)["reveal"] if answer else ():
            sent["reveals"] += 1
            jpeg = {**headers, "Content-Type": "image/jpeg"}
            await timed(port, "POST", f"{base}/verdicts/{seq}/frame", picture, jpeg, reveals)

    async def candidate(i: int) -> None:
        session_id, auth = sessions[i]
        base = f"/api/v1/sessions/{session_id}"
        rng = random.Random(i)
        offset = rng.random()  # candidates are spread over the second, each keeps its own beat
        turn = rng.randrange(BATCH_S)  # and sends its batch on its own second of the five
        tick = 0
        waiting: tuple[list, list] = ([], [])
        while (due := started + offset + tick) < started + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1:
                late[0] += 1
            tick += 1
            sent["seconds"] += 1
            sends = []
            if mode == "verdicts":
                waiting[0].append(verdict(tick * 2, time.time(), sha256))
                waiting[1].append(audio(tick * 2 + 1, time.time()))
                if tick % BATCH_S == turn:
                    spawn(batch(base, {**auth, "Content-Type": "application/json"}, *waiting))
                    waiting = ([], [])
            else:
                sends += [
                    (f"/frames?seq={tick}", frames[(i + tick) % len(frames)], "image/jpeg"),
                    ("/audio", json.dumps({"is_silent": tick % 20 == 0, "level": 12.5, "seq": tick}).encode(), None),
                ]
            if rng.random() < 1 / 30:
                kind = rng.choice(["tab_hidden", "tab_visible"])
                sends.append(("/events", json.dumps({"type": kind, "seq": tick}).encode(), None))
            for suffix, body, content_type in sends:
                headers = {**auth, "Content-Type": content_type or "application/json"}
                spawn(timed(port, "POST", base + suffix, body, headers, stats))
        # what still waits would leave when the candidate ends; all candidates end together here, so it is left
        # out (and out of the candidate-seconds)
        sent["seconds"] -= len(waiting[0])

    await asyncio.gather(*(candidate(i) for i in range(count)))
    while tasks:
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    worker_cpu = server.cpu_seconds() - worker_cpu
    for first in range(0, count, 50):
        await asyncio.gather(*(
            request(port, "POST", f"/api/v1/sessions/{session_id}/end", b"", auth)
            for session_id, auth in sessions[first:first + 50]
        ))
    summary = {"mode": mode, "candidates": count, **stats.summary(elapsed)}
    if mode == "verdicts":
        summary["reveals"] = reveals.summary(elapsed)
        summary["start"] = start
    return {
        **summary,
        "candidate_seconds": sent["seconds"],
        # the workers' CPU for one candidate's second: a frame or a verdict, an audio report, its share of
        # the tab switches and (verdicts) of the spot-checks; the sessions' ends excluded
        "worker_cpu_ms_per_candidate_second": round(worker_cpu * 1000 / max(1, sent["seconds"]), 2),
        "late_ticks": late[0],
        "client_cpu_pct": round(100 * client_cpu / elapsed),
    }


async def first_verdicts(server: Server, sessions: list, picture: bytes, at_once: int = 20) -> dict[str, object]:
    """Before the measured seconds: each session's first verdict, which the widget sends at once and whose
    picture the service always asks for, ``at_once`` candidates at a time (the candidates of a real exam start
    over minutes, not all in one second): how long it took and the workers' CPU per candidate."""
    started, cpu, stats = time.perf_counter(), server.cpu_seconds(), Stats()
    sha256 = hashlib.sha256(picture).hexdigest()

    async def first(session_id: str, auth: dict[str, str]) -> None:
        base = f"/api/v1/sessions/{session_id}"
        body = json.dumps({"verdicts": [verdict(0, time.time(), sha256)], "audio": []}).encode()
        headers = {**auth, "Content-Type": "application/json"}
        answer = await timed(server.port, "POST", base + "/verdicts", body, headers, stats)
        for seq in json.loads(answer)["reveal"] if answer else ():
            jpeg = {**auth, "Content-Type": "image/jpeg"}
            await timed(server.port, "POST", f"{base}/verdicts/{seq}/frame", picture, jpeg, stats)

    for i in range(0, len(sessions), at_once):
        await asyncio.gather(*(first(*session) for session in sessions[i:i + at_once]))
    return {"seconds": round(time.perf_counter() - started, 1), "errors": stats.errors,
            "worker_cpu_ms_per_candidate": round((server.cpu_seconds() - cpu) * 1000 / len(sessions), 2)}


def revealed_picture() -> bytes:
    for folder in IMAGE_DIRS:
        if (folder / REVEALED).is_file():
            return (folder / REVEALED).read_bytes()
    raise SystemExit(f"no {REVEALED} in tests/data/ or ../shared/testdata/faces/")


