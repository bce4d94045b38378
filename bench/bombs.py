"""Image bombs: the inputs that took workers down, and what one worker costs while it refuses them.

Usage::

    python bench/bombs.py [--rounds N] [--unguarded]

Builds three bombs in memory (nothing is stored): a 357-byte PNG whose chunk declares 2 GiB, a 2 MB progressive
JPEG with 60,000 scans and a 135 kB one with 3,800 scans. It starts ``proctor serve`` with ONE gunicorn worker on
a loopback port and a fresh SQLite database, opens a session, posts the three bombs in parallel ``--rounds``
times, then a normal frame, and reports each answer's status and time, the worker's peak resident memory
(``VmHWM`` from /proc) and its CPU time per bomb. ``--unguarded`` also decodes each bomb directly with OpenCV,
in a child process limited to 3 GB of address space, to show what the limits prevent.

The builders are used by the test suite too (tests/core/test_image_bombs.py, tests/service/test_image_bomb_worker.py).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def png_chunk(kind: bytes, data: bytes, *, declared: int | None = None) -> bytes:
    """One PNG chunk; ``declared`` overrides the length field (the bomb's lie)."""
    length = len(data) if declared is None else declared
    return struct.pack(">I", length) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(size: int = 357) -> bytes:
    """A small, valid-looking PNG with a text chunk that declares 2 GiB - 1 bytes; ``size`` bytes in all."""
    header = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0))
    pixels = zlib.compress(b"".join(b"\x00" + bytes(64 * 3) for _ in range(48)), 9)
    body = png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")
    filler = size - len(header) - len(body) - 12
    return header + png_chunk(b"tEXt", b"Comment\x00" + b"x" * (filler - 8), declared=2**31 - 1) + body


def progressive_jpeg(width: int = 1024, height: int = 1024) -> bytes:
    """A plain progressive JPEG of a smooth gradient (small scans)."""
    import cv2
    import numpy as np

    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    pixels = np.dstack([np.tile(ramp, (height, 1))] * 3)
    ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return buffer.tobytes()


def many_scan_jpeg(scans: int, *, width: int = 1024, height: int = 1024) -> bytes:
    """A progressive JPEG whose last scan (with its tables) is repeated until it has ``scans`` scans."""
    data = progressive_jpeg(width, height)
    last_sos = data.rindex(b"\xff\xda")
    start = data.rfind(b"\xff\xc4", 0, last_sos)  # the Huffman table written for that scan
    start = start if start != -1 else last_sos
    scan = data[start:-2]
    existing = data.count(b"\xff\xda")
    return data[:-2] + scan * max(0, scans - existing) + b"\xff\xd9"


def bombs() -> dict[str, bytes]:
    """The three bombs of the report, by name."""
    return {
        "png_2gib_chunk": png_bomb(),
        "jpeg_60000_scans": many_scan_jpeg(60_000),
        "jpeg_3800_scans": many_scan_jpeg(3_800),
    }


# -- measuring a real worker ------------------------------------------------------------------------------------------


def start_service(folder: Path, port: int) -> subprocess.Popen:
    """``proctor serve --web-only`` (gunicorn alone) with one worker on 127.0.0.1:port.

    A fresh SQLite database in ``folder`` holds the demo exams.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proctor_core.service.settings",
        "PROCTOR_DATA_DIR": str(folder),
        "PROCTOR_ALLOWED_HOSTS": "127.0.0.1",
        "PROCTOR_LOG_LEVEL": "WARNING",
        "PROCTOR_BIND": f"127.0.0.1:{port}",
        "PROCTOR_WORKERS": "1",
    }
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "proctor_core.service.cli"]
    for command in (["migrate", "--verbosity", "0"], ["demo"]):
        subprocess.run([*cli, *command], env=env, cwd=folder, check=True, capture_output=True, timeout=180)
    log = (folder / "service.log").open("w")
    return subprocess.Popen(
        [*cli, "serve", "--web-only", "--access-logfile", "/dev/null"],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def call(base: str, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
         *, token: str = "", timeout: float = 60) -> tuple[int, dict, float]:
    """One request: (status, JSON answer, seconds)."""
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed = time.perf_counter() - started
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {"raw": raw[:200].decode("latin-1")}
    return status, answer, elapsed


def wait_ready(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the service exited")
        try:
            if call(base, "GET", "/api/v1/plugins", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the service did not answer in time")


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def worker_usage(pid: int) -> tuple[float, float]:
    """(peak resident MB, CPU seconds) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return peak_kb / 1024, (int(fields[11]) + int(fields[12])) / ticks


def frame_body(data: bytes) -> tuple[bytes, str]:
    """The request body and content type of a frame: JPEGs raw, PNGs as base64 in JSON."""
    if data.startswith(b"\xff\xd8"):
        return data, "image/jpeg"
    return json.dumps({"image": base64.b64encode(data).decode()}).encode(), "application/json"


def post_bombs(base: str, rounds: int = 1) -> dict:
    """Open a session, post the three bombs in parallel ``rounds`` times, then a normal frame; report what it cost."""
    status, session, _ = call(base, "POST", "/api/v1/sessions",
                              json.dumps({"name": "Bomb", "email": "bomb@example.org"}).encode())
    assert status == 201, session
    token, frames = session["token"], f"/api/v1/sessions/{session['id']}/frames"
    payloads = bombs()
    results: list[dict] = []
    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        for _ in range(rounds):
            futures = {
                name: pool.submit(call, base, "POST", frames, *frame_body(data), token=token)
                for name, data in payloads.items()
            }
            for name, future in futures.items():
                status, answer, seconds = future.result()
                results.append({"bomb": name, "bytes": len(payloads[name]), "status": status,
                                "code": answer.get("error", {}).get("code"), "ms": round(seconds * 1000, 1)})
    normal = (ROOT / "tests" / "data" / "grace_hopper.jpg").read_bytes()
    status, answer, seconds = call(base, "POST", frames, normal, token=token, content_type="image/jpeg")
    return {"bombs": results, "normal_frame": {"status": status, "face_status": answer.get("face_status"),
                                               "ms": round(seconds * 1000, 1)}}


def measure(rounds: int = 1) -> dict:
    """Start one worker, post the bombs, and return the answers with the worker's peak RSS and CPU per bomb."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="proctor-bombs-") as folder:
        process = start_service(Path(folder), port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process)
            (worker,) = worker_pids(process.pid)
            rss_before, cpu_before = worker_usage(worker)
            report = post_bombs(base, rounds)
            rss_peak, cpu_after = worker_usage(worker)
            report.update(
                worker_alive=worker in worker_pids(process.pid),
                worker_peak_rss_mb_before=round(rss_before, 1),
                worker_peak_rss_mb=round(rss_peak, 1),
                worker_cpu_ms_per_bomb=round((cpu_after - cpu_before) * 1000 / (3 * rounds), 1),
            )
            return report
        finally:
            process.terminate()
            process.wait(timeout=20)


def unguarded(name: str) -> str:
    """Decode one bomb straight with OpenCV in a child limited to 3 GB; report CPU and peak memory."""
    code = (
        f"import resource,sys,time,numpy as np,cv2;sys.path.insert(0,{str(ROOT / 'bench')!r});import bombs;"
        f"resource.setrlimit(resource.RLIMIT_AS,(3<<30,3<<30));d=bombs.bombs()[{name!r}];t=time.process_time();"
        "r=cv2.imdecode(np.frombuffer(d,np.uint8),cv2.IMREAD_COLOR);"
        "print('cpu %.1f s, peak %d MB'%(time.process_time()-t,"
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024))"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "more than 300 s of CPU (stopped)"
    return done.stdout.strip() or done.stderr.strip()[-200:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--unguarded", action="store_true")
    args = parser.parse_args()
    if args.unguarded:
        for name in bombs():
            print(f"unguarded {name}: {unguarded(name)}", flush=True)
    print(json.dumps(measure(args.rounds), indent=2))


if __name__ == "__main__":
    main()
