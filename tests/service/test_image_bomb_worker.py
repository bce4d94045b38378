"""A real gunicorn worker refuses three image bombs posted in parallel, stays small, and serves the next frame."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bombs", ROOT / "bench" / "bombs.py")
bombs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bombs)

MAX_WORKER_RSS_MB = 300
MAX_CPU_MS_PER_BOMB = 100


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker memory from /proc")
def test_three_bombs_in_parallel_leave_one_worker_small_and_alive(require) -> None:
    require(Path("/proc/self/status").is_file(), "/proc (Linux) to read the worker's peak memory")
    report = bombs.measure(rounds=3)
    assert len(report["bombs"]) == 9
    for answer in report["bombs"]:
        assert (answer["status"], answer["code"]) == (422, "image_too_complex"), answer
    assert report["worker_alive"]
    assert report["worker_peak_rss_mb"] < MAX_WORKER_RSS_MB, report
    assert report["worker_cpu_ms_per_bomb"] < MAX_CPU_MS_PER_BOMB, report
    assert report["normal_frame"]["status"] == 200 and report["normal_frame"]["face_status"] == "ok"
