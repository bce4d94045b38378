"""Service load benchmark: the real service under gunicorn on a loopback port, fed real JPEG frames.

Usage::

    python bench/load.py [--phases cpu,throughput,candidates] [--repeat 3] [--cpu-seconds 5] [--db sqlite,postgres]
                         [--workers N] [--seconds S] [--candidates 100,200,300,1000]

For each database it starts ``proctor serve`` on 127.0.0.1 with a fresh database (a temporary SQLite file, or the
PostgreSQL database ``<name>_bench`` beside the database ``<name>`` of ``PROCTOR_TEST_POSTGRES_URL``), then measures:

0. cpu (bench/frame_cpu.py): frames per worker CPU-second of one worker per database, the original server
   (bench/original_server.py) beside them in the same run, interleaved, ``--repeat`` rounds: min/median/max;
1. throughput: 32 sessions post frames back to back (raw ``image/jpeg`` bodies with a ``seq``) from
   ``--concurrency`` connections at a time: frames/s in total and per worker, p50/p99 latency, and the workers'
   own CPU time per frame (from /proc), which gives frames per CPU-second whatever else shares the machine;
2. candidates: N simulated candidates at 1 frame/s, 1 audio report/s and a tab switch now and then, each on its
   own beat within the second, for ``--seconds``: requests, errors (HTTP >= 400, timeouts after 10 s, refused
   connections), p50/p99 latency, the workers' CPU time per candidate-second, and the load generator's CPU use.
   With ``--mode verdicts`` each candidate does what the widget does in on-device mode: a verdict and an audio
   report a second, sent together every 5 s (the first at once) as one ``POST /verdicts``, and the JPEG of every
   verdict the answer lists in ``reveal`` (a one-face photograph, committed by its hash), so spot-checks are paid
   for. ``--mode verdicts,frames`` runs both, interleaved, for each number of candidates.

Every phase is bounded in time and all traffic stays on loopback. The load generator runs on the same machine
and takes CPU from the server; docs/benchmarks.md ("Service load") records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE_DIRS = (ROOT / "tests" / "data", ROOT.parent / "shared" / "testdata" / "faces")
PG_URL = os.environ.get("PROCTOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/proctor_test")
REQUEST_TIMEOUT_S = 10.0


# -- a minimal HTTP/1.1 client on asyncio streams (gunicorn's sync workers close every connection) ----------------


async def request(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """One request on a fresh connection; returns (status, body bytes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
    status = int(response.split(b" ", 2)[1])
    return status, response.partition(b"\r\n\r\n")[2]


async def timed(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str], stats: Stats
) -> bytes | None:
    """One request, counted in ``stats``: its latency if it succeeded, else its error (status or exception);
    returns the answer's body if it succeeded."""
    started = time.perf_counter()
    answer = None
    try:
        status, answer = await asyncio.wait_for(request(port, method, path, body, headers), REQUEST_TIMEOUT_S)
    except (TimeoutError, OSError, IndexError, ValueError) as exc:
        status = type(exc).__name__
    if isinstance(status, int) and status < 400:
        stats.latencies.append(time.perf_counter() - started)
        return answer
    stats.errors[str(status)] = stats.errors.get(str(status), 0) + 1
    return None


@dataclass
class Stats:
    """Latencies of the successful requests, and the failed ones counted by status or exception."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def summary(self, seconds: float) -> dict[str, object]:
        ordered = sorted(self.latencies) or [float("nan")]
        return {
            "requests": len(self.latencies) + sum(self.errors.values()),
            "per_s": round(len(self.latencies) / seconds, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "errors": dict(self.errors),
        }


# -- the server -------------------------------------------------------------------------------------------------------


class Server:
    """``proctor serve`` on a free loopback port, with its own database and data directory."""

    health_path = "/api/v1/plugins"

    def __init__(self, db: str, workers: int, folder: Path, gunicorn_args: list[str]) -> None:
        self.port = _free_port()
        self.gunicorn_args = gunicorn_args
        self.env = {**os.environ, "PROCTOR_DATA_DIR": str(folder), "PROCTOR_WORKERS": str(workers)}
        self.env.pop("DATABASE_URL", None)
        if db == "postgres":
            self.env["DATABASE_URL"] = _fresh_pg_database()
        self.log = open(folder / "server.log", "wb")  # noqa: SIM115  (closed in stop())
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        proctor = [sys.executable, "-m", "proctor_core.service.cli"]
        for command in (["migrate", "-v", "0"], ["demo"]):
            subprocess.run(proctor + command, env=self.env, check=True, stdout=subprocess.DEVNULL, timeout=300)
        return [*proctor, "serve", "--web-only", "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command() + self.gunicorn_args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.health_path}", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the service did not start; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn workers."""
        total = 0.0
        for child in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def drain(self, limit_s: float = 120) -> None:
        """Wait until an overloaded server has worked off its backlog (a cheap request answers within 1 s)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/plugins", timeout=10).read()
            except OSError:
                continue
            if time.monotonic() - started < 1:
                return

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class OriginalServer(Server):
    """The original interview monitor's frame endpoint (bench/original_server.py), one gunicorn sync worker."""

    health_path = "/health"

    def __init__(self, folder: Path) -> None:
        super().__init__("sqlite", 1, folder, [])

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT / "bench"), "--workers", "1",
                "--no-control-socket", "--bind", f"127.0.0.1:{self.port}", "original_server:application"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_pg_database() -> str:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    bench = f"{name}_bench"  # beside the test database: runs against other test databases do not collide
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench}"')
    return f"{base}/{bench}"


# -- the load ---------------------------------------------------------------------------------------------------------


MODE = {"exam": "exam"}
EXAMS = {"frames": "exam", "verdicts": "ondevice"}
"""The demo exam each ``--mode`` runs on."""


def observation(frames: list[bytes], i: int, seq: int) -> tuple[str, bytes, str]:
    """A frame (raw JPEG) or, with ``--mode verdicts``, a batch of 5 verdicts and 5 audio reports as the widget
    sends them, numbered from ``seq * 10``."""
    if MODE["exam"] == "ondevice":
        from candidates import BATCH_S, audio, verdict

        now, sha256 = time.time(), "0" * 64
        batch = {"verdicts": [verdict(seq * 10 + k, now - BATCH_S + k, sha256) for k in range(BATCH_S)],
                 "audio": [audio(seq * 10 + k, now - BATCH_S + k) for k in range(BATCH_S)]}
        return "/verdicts", json.dumps(batch).encode(), "application/json"
    return f"/frames?seq={seq}", frames[i % len(frames)], "image/jpeg"


async def open_sessions(port: int, count: int, exam: str | None = None) -> list[tuple[str, dict[str, str]]]:
    async def one(i: int):
        body = json.dumps({"name": f"Candidate {i}", "email": f"c{i}@example.org", "exam": exam or MODE["exam"]})
        body = body.encode()
        status, answer = await request(port, "POST", "/api/v1/sessions", body, {"Content-Type": "application/json"})
        assert status == 201, answer
        data = json.loads(answer)
        return data["id"], {"Authorization": f"Bearer {data['token']}"}

    sessions = []
    for start in range(0, count, 50):
        sessions += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 50))))
    return sessions


async def throughput(port: int, frames: list[bytes], seconds: float, concurrency: int) -> dict[str, object]:
    """Frames back to back from ``concurrency`` connections at a time, for ``seconds``."""
    sessions = await open_sessions(port, 32)
    stats, seq = Stats(), [0]
    deadline = time.perf_counter() + seconds

    async def loop(i: int) -> None:
        session_id, auth = sessions[i % len(sessions)]
        while time.perf_counter() < deadline:
            seq[0] += 1
            suffix, body, content_type = observation(frames, seq[0], seq[0])
            headers = {**auth, "Content-Type": content_type}
            await timed(port, "POST", f"/api/v1/sessions/{session_id}{suffix}", body, headers, stats)

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return stats.summary(time.perf_counter() - started)


def load_frames() -> list[bytes]:
    for folder in IMAGE_DIRS:
        found = sorted(p for p in folder.glob("*.jpg") if p.stat().st_size < 200_000)
        if found:
            return [p.read_bytes() for p in found]
    raise SystemExit("no JPEG frames in tests/data/ or ../shared/testdata/faces/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="connections at a time in the throughput phase")
    parser.add_argument("--candidates", default="100,200,300,1000", help="comma-separated numbers of candidates")
    parser.add_argument("--gunicorn", default="", help="more gunicorn options, e.g. '--threads 4'")
    parser.add_argument("--phases", default="cpu,throughput,candidates", help="comma-separated phases to run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the cpu phase")
    parser.add_argument("--cpu-seconds", type=float, default=5, help="seconds per variant and round, cpu phase")
    parser.add_argument("--mode", default="frames",
                        help="frames, verdicts (the demo exam 'ondevice': on-device verdicts, as the widget sends "
                        "them), or both comma-separated (the throughput phase uses the first)")
    args = parser.parse_args()
    modes = args.mode.split(",")
    if not modes or set(modes) - set(EXAMS):
        parser.error("--mode: frames, verdicts or both")
    MODE["exam"] = EXAMS[modes[0]]

    frames = load_frames()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.platform()}; {len(frames)} frames of {min(map(len, frames))}-{max(map(len, frames))} bytes")
    phases = args.phases.split(",")
    if "cpu" in phases:
        cpu_phase(args, frames)
    if "throughput" not in phases and "candidates" not in phases:
        return
    for db in args.db.split(","):
        folder = Path(tempfile.mkdtemp(prefix=f"proctor-load-{db}-"))
        server = Server(db, args.workers, folder, args.gunicorn.split())
        try:
            server.start()
            if "throughput" in phases:
                throughput_phase(server, args, frames, db)
            from candidates import candidates

            for count in (int(n) for n in args.candidates.split(",") if "candidates" in phases):
                for mode in modes:
                    server.drain()
                    result = asyncio.run(candidates(server, frames, count, args.seconds, mode))
                    print(f"[{db}] {json.dumps(result)}", flush=True)
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)


def cpu_phase(args: argparse.Namespace, frames: list[bytes]) -> None:
    """One worker per variant, the original server beside the service, interleaved rounds (bench/frame_cpu.py)."""
    from frame_cpu import measure

    names = ["original", *args.db.split(",")]
    folders = {name: Path(tempfile.mkdtemp(prefix=f"proctor-cpu-{name}-")) for name in names}
    servers: dict[str, Server] = {}
    try:
        for name, folder in folders.items():
            server = OriginalServer(folder) if name == "original" else Server(name, 1, folder, args.gunicorn.split())
            servers[name] = server
            server.start()
        measure(servers, frames, args.cpu_seconds, args.repeat)
    finally:
        for server in servers.values():
            server.stop()
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def throughput_phase(server: Server, args: argparse.Namespace, frames: list[bytes], db: str) -> None:
    cpu = server.cpu_seconds()
    result = asyncio.run(throughput(server.port, frames, args.seconds, args.concurrency))
    cpu_ms = (server.cpu_seconds() - cpu) * 1000 / max(1, result["requests"])
    result |= {
        "frames_per_s_per_worker": round(result["per_s"] / args.workers, 1),
        "server_cpu_ms_per_frame": round(cpu_ms, 2),
        "frames_per_cpu_second": round(1000 / cpu_ms, 1),
    }
    print(f"[{db}] throughput, {args.workers} workers, {args.concurrency} connections: {json.dumps(result)}")


if __name__ == "__main__":
    main()
