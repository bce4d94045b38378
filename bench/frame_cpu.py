"""Frames per worker CPU-second: the service on SQLite and PostgreSQL beside the original server, in one run.

Each variant is one gunicorn worker on a loopback port (the service with `proctor serve`'s defaults); all run at
once and are fed in turn (interleaved), ``repeat`` rounds, each variant ``seconds`` per round, from two connections
(one request always waiting, so the worker never idles) with the frames as the widget sends them: a raw
``image/jpeg`` body with its ``seq`` in the query (the original server gets the base64 JSON its page sent). The
worker's CPU time (user + system, from /proc) before and after a turn divided into the frames it answered gives
frames per worker CPU-second, which holds whatever else runs on the machine; the load generator, PostgreSQL and
other processes are not in it. Each worker is warmed up for a second first. Rounds are paired, so the ratio to the
original server is taken per round as well.

Then latency below saturation: a worker given one core answers its median frames per CPU-second each second, its
saturation; it is offered 80% of that, one frame at a time on a fixed schedule (open loop: a frame is sent on time
whether or not earlier ones were answered, on a kept-open connection when one is idle), for twice a turn's length,
and the latencies of those frames give p50 and p99. Latency is wall-clock time: the load generator shares the
machine's cores with the worker, and anything else running on them adds to it, so this part holds only on a quiet
machine.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time

from load import REQUEST_TIMEOUT_S, Server, Stats, open_sessions

IDLE_S = 1.0
"""A kept-open connection idle longer than this is not used again (gunicorn closes idle ones after 2 s)."""


class Connection:
    """One HTTP/1.1 connection kept open for as long as the server keeps it (a sync worker closes each one)."""

    def __init__(self, port: int) -> None:
        self.port, self.reader, self.writer = port, None, None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n\r\n").encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = int(head.partition("content-length:")[2].split("\r\n", 1)[0] or 0)
        await self.reader.readexactly(length)
        if "connection: close" in head:
            self.writer.close()
            self.writer = None
        return int(head.split(" ", 2)[1])


def frame_request(session_id, frame: bytes, seq: int) -> tuple[str, bytes, str]:
    """Path, body and content type of one frame: a raw JPEG with its ``seq`` in the query, as the widget sends it;
    to the original server (no session) a base64 JSON body, as its page sent it."""
    if session_id is None:
        return "/analyze_frame", b'{"image":"data:image/jpeg;base64,%s"}' % base64.b64encode(frame), "application/json"
    return f"/api/v1/sessions/{session_id}/frames?seq={seq}", frame, "image/jpeg"


async def feed(server: Server, frames: list[bytes], sessions, seconds: float, seq_from: int) -> Stats:
    """Frames back to back from one connection per session (reopened whenever the server closes it)."""
    stats, seq = Stats(), [seq_from]
    deadline = time.perf_counter() + seconds

    async def loop(session_id, auth) -> None:
        connection = Connection(server.port)
        while time.perf_counter() < deadline:
            seq[0] += 1
            path, body, kind = frame_request(session_id, frames[seq[0] % len(frames)], seq[0])
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(
                    connection.post(path, body, {**auth, "Content-Type": kind}), REQUEST_TIMEOUT_S
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, connection = type(exc).__name__, Connection(server.port)
            if isinstance(status, int) and status < 400:
                stats.latencies.append(time.perf_counter() - started)
            else:
                stats.errors[str(status)] = stats.errors.get(str(status), 0) + 1
        if connection.writer is not None:
            connection.writer.close()

    await asyncio.gather(*(loop(*session) for session in sessions))
    return stats


async def paced(server: Server, frames: list[bytes], sessions, rate: float, seconds: float, seq_from: int) -> Stats:
    """Frames offered at ``rate`` per second on a fixed schedule, whether or not earlier ones were answered; each
    goes on a connection kept open from an earlier frame if one has been idle for less than :data:`IDLE_S`, else on
    a new one (as a browser does, before the server's keep-alive timeout can close it under a request)."""
    stats, tasks, idle = Stats(), [], []

    async def one(i: int) -> None:
        session_id, auth = sessions[i % len(sessions)]
        path, body, kind = frame_request(session_id, frames[i % len(frames)], seq_from + i)
        while idle and time.perf_counter() - idle[0][1] > IDLE_S:  # oldest first; the newest is used below
            stale, _ = idle.pop(0)
            if stale.writer is not None:
                stale.writer.close()
        connection = idle.pop()[0] if idle else Connection(server.port)
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(
                connection.post(path, body, {**auth, "Content-Type": kind}), REQUEST_TIMEOUT_S
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status = type(exc).__name__
        else:
            idle.append((connection, time.perf_counter()))
        if isinstance(status, int) and status < 400:
            stats.latencies.append(time.perf_counter() - started)
        else:
            stats.errors[str(status)] = stats.errors.get(str(status), 0) + 1

    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for connection, _ in idle:
        if connection.writer is not None:
            connection.writer.close()
    return stats


def measure(servers: dict[str, Server], frames: list[bytes], seconds: float, repeat: int) -> None:
    sessions = {
        name: [(None, {})] * 2 if name == "original" else asyncio.run(open_sessions(server.port, 2))
        for name, server in servers.items()
    }
    rates: dict[str, list[float]] = {name: [] for name in servers}
    errors: dict[str, dict[str, int]] = {name: {} for name in servers}
    names = list(servers)
    for name in names:  # warm up: first requests import and build what later ones reuse
        asyncio.run(feed(servers[name], frames, sessions[name], 1, 9_000_000))
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:  # rotate the order every round
            server = servers[name]
            cpu = server.cpu_seconds()
            stats = asyncio.run(feed(server, frames, sessions[name], seconds, round_ * 1_000_000))
            used = server.cpu_seconds() - cpu
            rates[name].append(len(stats.latencies) / used)
            for key, count in stats.errors.items():
                errors[name][key] = errors[name].get(key, 0) + count
            print(f"  round {round_ + 1} {name}: {len(stats.latencies)} frames, {used:.2f} CPU-s, "
                  f"{rates[name][-1]:.1f} frames/CPU-s", flush=True)
    base = "original" if "original" in rates else None
    print(f"\nframes per worker CPU-second, {repeat} rounds of {seconds:g} s each, interleaved (min / median / max):")
    print("| server | min | median | max | x original (per round: min / median / max) | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, values in rates.items():
        ratio = ""
        if base and name != base:
            per_round = sorted(v / o for v, o in zip(values, rates[base], strict=True))
            ratio = f"{per_round[0]:.1f} / {statistics.median(per_round):.1f} / {per_round[-1]:.1f}"
        print(f"| {name} | {min(values):.1f} | {statistics.median(values):.1f} | {max(values):.1f} | {ratio} "
              f"| {json.dumps(errors[name]) if errors[name] else 0} |")
    print(f"\nlatency at 80% of saturation (one worker, frames offered on a fixed schedule for {2 * seconds:g} s):")
    print("| server | saturation (frames per CPU-s) | offered, frames/s | answered | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        peak = statistics.median(rates[name])  # frames per CPU-second: what the worker answers with one core
        stats = asyncio.run(paced(servers[name], frames, sessions[name], 0.8 * peak, 2 * seconds, 5_000_000))
        summary = stats.summary(2 * seconds)
        print(f"| {name} | {peak:.1f} | {0.8 * peak:.1f} | {len(stats.latencies)} | {summary['p50_ms']} "
              f"| {summary['p99_ms']} | {json.dumps(stats.errors) if stats.errors else 0} |", flush=True)
