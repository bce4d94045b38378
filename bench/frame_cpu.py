"""Frames per worker CPU-second: the service on SQLite and PostgreSQL beside the original server, in one run.

Each variant is one gunicorn sync worker on a loopback port; all run at once and are fed in turn (interleaved),
``repeat`` rounds, each variant ``seconds`` per round, from two connections (one request always waiting, so the
worker never idles) with the same base64 JSON frames the widget sends (a ``seq`` per frame). The worker's CPU time
(user + system, from /proc) before and after a turn divided into the frames it answered gives frames per worker
CPU-second, which holds whatever else runs on the machine; the load generator, PostgreSQL and other processes are
not in it. Each worker is warmed up for a second first. Rounds are paired, so the ratio to the original server
is taken per round as well.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time

from load import REQUEST_TIMEOUT_S, Server, Stats, open_sessions


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


async def feed(server: Server, bodies: list[bytes], sessions, seconds: float, seq_from: int) -> Stats:
    """Frames back to back from one connection per session (reopened whenever the server closes it)."""
    stats, seq = Stats(), [seq_from]
    deadline = time.perf_counter() + seconds

    async def loop(session_id, auth) -> None:
        headers = {**auth, "Content-Type": "application/json"}
        path = f"/api/v1/sessions/{session_id}/frames" if session_id else "/analyze_frame"
        connection = Connection(server.port)
        while time.perf_counter() < deadline:
            seq[0] += 1
            image = bodies[seq[0] % len(bodies)]
            body = b'{"image":"' + image + b'","seq":' + str(seq[0]).encode() + b"}"
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(connection.post(path, body, headers), REQUEST_TIMEOUT_S)
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


def measure(servers: dict[str, Server], frames: list[bytes], seconds: float, repeat: int) -> None:
    bodies = [b"data:image/jpeg;base64," + base64.b64encode(frame) for frame in frames]
    sessions = {
        name: [(None, {})] * 2 if name == "original" else asyncio.run(open_sessions(server.port, 2))
        for name, server in servers.items()
    }
    rates: dict[str, list[float]] = {name: [] for name in servers}
    latencies: dict[str, list[float]] = {name: [] for name in servers}
    errors: dict[str, dict[str, int]] = {name: {} for name in servers}
    names = list(servers)
    for name in names:  # warm up: first requests import and build what later ones reuse
        asyncio.run(feed(servers[name], bodies, sessions[name], 1, 9_000_000))
    for round_ in range(repeat):
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:  # rotate the order every round
            server = servers[name]
            cpu = server.cpu_seconds()
            stats = asyncio.run(feed(server, bodies, sessions[name], seconds, round_ * 1_000_000))
            used = server.cpu_seconds() - cpu
            rates[name].append(len(stats.latencies) / used)
            latencies[name] += stats.latencies
            for key, count in stats.errors.items():
                errors[name][key] = errors[name].get(key, 0) + count
            print(f"  round {round_ + 1} {name}: {len(stats.latencies)} frames, {used:.2f} CPU-s, "
                  f"{rates[name][-1]:.1f} frames/CPU-s", flush=True)
    base = "original" if "original" in rates else None
    print(f"\nframes per worker CPU-second, {repeat} rounds of {seconds:g} s each, interleaved (min / median / max):")
    print("| server | min | median | max | x original (per round: min / median / max) | p50 ms, 2 in flight | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, values in rates.items():
        ratio = ""
        if base and name != base:
            per_round = sorted(v / o for v, o in zip(values, rates[base], strict=True))
            ratio = f"{per_round[0]:.1f} / {statistics.median(per_round):.1f} / {per_round[-1]:.1f}"
        p50 = statistics.median(latencies[name]) * 1000 if latencies[name] else float("nan")
        print(f"| {name} | {min(values):.1f} | {statistics.median(values):.1f} | {max(values):.1f} | {ratio} "
              f"| {p50:.1f} | {json.dumps(errors[name]) if errors[name] else 0} |")
