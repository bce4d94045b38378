"""On-device analysis benchmark: the widget's in-browser finder in real Chromium, beside the service's finder.

Usage::

    python bench/ondevice.py [FOLDER] [--seconds S] [--widget-seconds S] [--rounds N] [--chromium /usr/bin/chromium]

Serves widget/src and ONNX Runtime Web (``npm ci --prefix widget`` first) on a loopback port with the same paths
the service uses, opens them in headless Chromium through Playwright, and measures:

1. accuracy: the in-browser finder (short + full range, the larger count) and the service's finder on every image
   of FOLDER (``labels.json``; default ``../shared/testdata/faces``), by class (none / one / several) and the
   turned verdict of lone frontal/turned faces;
2. cost: one detection a second on a 640 x 480 picture for ``--seconds``: per-detection time (median, p95) and
   the renderer processes' CPU (% of one core, from /proc) and resident memory;
3. the whole widget as a candidate runs it: the real service (``proctor serve``, one worker, SQLite) and Chromium
   with a fake camera (a face photo, 640 x 480) and microphone (speech), the demo exam ``ondevice`` (on-device
   analysis) and the same exam analysed by the service (``interview``), each monitored for ``--widget-seconds``,
   in the order on-device, service, service, on-device, ... for ``--rounds`` pairs: the renderer's CPU and peak
   memory, the service worker's CPU per second, and the requests the page sent (capture, JPEG encoding, hashing,
   batching and posting included, which part 2 leaves out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from proctor_core.imaging import decode_image
from proctor_vision.finder import BlazeFaceFinder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "widget"))  # the browser suite's fake media and Chromium launcher
DEFAULT_FOLDER = ROOT.parent / "shared" / "testdata" / "faces"  # as bench/detectors.py
ROUTES = {  # the service's static paths; the first matching prefix wins
    "/static/widget/ondevice/models/": ROOT / "plugins" / "proctor_vision" / "models",
    "/static/widget/": ROOT / "widget" / "src",
    "/static/ort/": ROOT / "widget" / "node_modules" / "onnxruntime-web" / "dist",
}


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm", ".onnx": "application/octet-stream"}

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        for prefix, folder in {**ROUTES, "/faces/": self.server.faces}.items():
            if path.startswith(prefix):
                return str(folder / path[len(prefix):])
        return str(ROOT / "bench" / "missing")

    def log_message(self, *args) -> None:
        pass


def renderer_usage(browser_pid: int) -> tuple[float, int]:
    """CPU seconds and resident bytes of the renderer processes under ``browser_pid``."""
    cpu, rss = 0.0, 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"--type=renderer" not in cmdline or not _descends(int(proc.name), browser_pid):
            continue
        cpu += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        rss += int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


def browser_pid(marker: str) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline and b"--type=" not in cmdline:
                return int(proc.name)
    raise SystemExit("Chromium's browser process was not found")


FIND = """async ([file]) => {
  const image = new Image();
  image.src = `/faces/${file}`;
  await image.decode();
  return window.finder.find(image, image.naturalWidth, image.naturalHeight);
}"""


def class_of(count: int) -> str:
    return "none" if count == 0 else "one" if count == 1 else "several"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--widget-seconds", type=float, default=60, help="monitoring time per run, part 3")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (on-device and service), part 3")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    images = json.loads((args.folder / "labels.json").read_text())["images"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.faces = args.folder
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    profile = tempfile.mkdtemp(prefix="proctor-ondevice-bench-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(profile, executable_path=args.chromium, headless=True)
        page = context.new_page()
        page.goto(f"{base}/static/widget/ondevice/models/PROVENANCE.md")
        started = time.perf_counter()
        page.evaluate("""async () => {
          const { loadFinder } = await import('/static/widget/ondevice/finder.js');
          window.finder = await loadFinder();
        }""")
        ready_s = time.perf_counter() - started
        server_finder = BlazeFaceFinder()
        rows = []
        for image in images:
            device = page.evaluate(FIND, [image["file"]])
            server_analysis = server_finder.find(decode_image((args.folder / image["file"]).read_bytes()))
            rows.append((image, device, server_analysis))
        version = context.browser.version if context.browser else "chromium"
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {version}; "
              f"runtime and models ready in {ready_s:.2f} s")
        print("\n| finder | none | one | several | all | turned verdict of lone faces |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, count, turned in (
            ("in-browser (short + full range, larger count)", lambda d, s: len(d["faces"]),
             lambda d, s: d["faces"][0]["turned"] if len(d["faces"]) == 1 else None),
            ("service (short range at 256 x 192, a second look on crops)", lambda d, s: s.face_count,
             lambda d, s: s.faces[0].turned if s.face_count == 1 else None),
        ):
            cells = []
            for cls in ("none", "one", "several"):
                group = [r for r in rows if class_of(r[0]["face_count"]) == cls]
                cells.append(f"{sum(class_of(count(d, s)) == cls for im, d, s in group)}/{len(group)}")
            right = sum(class_of(count(d, s)) == class_of(im["face_count"]) for im, d, s in rows)
            oriented = [r for r in rows if r[0]["face_count"] == 1 and r[0].get("orientation")]
            turned_ok = sum(turned(d, s) == (im["orientation"] == "turned") for im, d, s in oriented)
            print(f"| {name} | {' | '.join(cells)} | {right}/{len(rows)} | {turned_ok}/{len(oriented)} |")
        for im, d, s in rows:
            if len(d["faces"]) != s.face_count:
                print(f"  differs: {im['file']} (labelled {im['face_count']}): "
                      f"browser {len(d['faces'])}, service {s.face_count}")

        sample_image = max((im for im in images if im["face_count"] == 1 and "1280x720" not in im.get("tags", [])),
                           key=lambda im: im["width"] * im["height"])
        sample, size = sample_image["file"], f"{sample_image['width']}x{sample_image['height']}"
        pid = browser_pid(profile)
        cpu0, _ = renderer_usage(pid)
        wall0, times, peak = time.perf_counter(), [], 0
        while time.perf_counter() - wall0 < args.seconds:
            tick = time.perf_counter()
            times.append(page.evaluate(FIND, [sample])["ms"])
            peak = max(peak, renderer_usage(pid)[1])
            time.sleep(max(0.0, 1 - (time.perf_counter() - tick)))
        cpu1, _ = renderer_usage(pid)
        wall = time.perf_counter() - wall0
        times.sort()
        print(f"\n1 detection/s on {sample} ({size}) for {wall:.0f} s: median {statistics.median(times):.1f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms per detection; renderer CPU "
              f"{100 * (cpu1 - cpu0) / wall:.1f}% of one core; renderer memory (RSS) peak {peak / 2**20:.0f} MB")
        context.close()
        server.shutdown()
        whole_widget(playwright, Path(args.chromium), args.widget_seconds, args.rounds)


MODES = {"on-device": "ondevice", "service": "interview"}
"""Part 3's variants: the demo exam each runs (the same interview rules; ``ondevice`` analyses in the browser)."""


def whole_widget(playwright, chromium_path: Path, seconds: float, rounds: int) -> None:
    """Part 3: a candidate monitored in each mode in turn, in one Chromium with a fake camera and microphone."""
    from load import Server
    from widget_harness import Chromium
    from widget_media import ONE_FACE, photo, speech_like, write_wav, write_y4m

    folder = Path(tempfile.mkdtemp(prefix="proctor-ondevice-widget-"))
    video = write_y4m(folder / "face.y4m", [photo(ONE_FACE)] * 2)
    audio = write_wav(folder / "speech.wav", speech_like(20))
    service = Server("sqlite", 1, folder, [])
    service.start()
    chromium = Chromium(playwright, chromium_path, folder, video, str(audio))
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    try:
        for number in range(rounds):
            order = list(MODES) if number % 2 == 0 else list(MODES)[::-1]
            for mode in order:
                results[mode].append(monitor(chromium, service, MODES[mode], seconds))
                print(f"  {mode}: {results[mode][-1]}")
    finally:
        chromium.close()
        service.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nthe whole widget, {seconds:.0f} s of monitoring per run, fake camera 640 x 480 (one face), "
          "min / median / max over the runs:")
    print("| mode | runs | renderer CPU, % of one core | renderer memory peak, MB | service worker CPU, ms per s "
          "| requests per s | verdicts or frames per s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mode, runs in results.items():
        cells = []
        for key in ("renderer_pct", "renderer_mb", "worker_ms_per_s", "requests_per_s", "observed_per_s"):
            values = sorted(run[key] for run in runs)
            cells.append(" / ".join(f"{v:.1f}" for v in (values[0], statistics.median(values), values[-1])))
        print(f"| {mode} | {len(runs)} | {' | '.join(cells)} |")


def monitor(chromium, service, exam: str, seconds: float) -> dict[str, float]:
    """One candidate: start page, consent, device check, monitoring for ``seconds`` (measured after 5 s of
    warm-up), end. Returns the renderer's and the service worker's cost and what the page sent."""
    from widget_harness import start_monitoring

    page = chromium.context.new_page()
    posts: dict[str, int] = {}  # POSTs to the session by resource, and "observed": the frames or verdicts in them

    def count(request) -> None:
        if request.method == "POST" and "/api/v1/sessions/" in request.url:
            kind = request.url.split("?", 1)[0].rsplit("/", 1)[-1]
            posts[kind] = posts.get(kind, 0) + 1
            if kind in ("frames", "verdicts"):
                seen = 1 if kind == "frames" else len(json.loads(request.post_data)["verdicts"])
                posts["observed"] = posts.get("observed", 0) + seen

    page.on("request", count)
    page.goto(f"http://127.0.0.1:{service.port}/")
    start_monitoring(page, page, exam=exam, timeout_ms=30000)
    page.wait_for_timeout(5000)
    pid = chromium.process.pid
    cpu0, worker0, sent0 = renderer_usage(pid)[0], service.cpu_seconds(), dict(posts)
    wall0, peak = time.perf_counter(), 0
    while time.perf_counter() - wall0 < seconds:
        page.wait_for_timeout(1000)
        peak = max(peak, renderer_usage(pid)[1])
    wall = time.perf_counter() - wall0
    cpu1, worker1 = renderer_usage(pid)[0], service.cpu_seconds()
    sent = {kind: posts.get(kind, 0) - sent0.get(kind, 0) for kind in posts}
    observed = sent.pop("observed", 0)
    page.get_by_role("button", name="End monitoring").click()
    page.locator("[data-pw=receipt]").wait_for(timeout=30000)
    page.close()
    if exam == MODES["on-device"] and sent.get("frames"):
        print(f"  warning: the on-device run sent {sent['frames']} frames (it fell back to server analysis)")
    return {
        "renderer_pct": round(100 * (cpu1 - cpu0) / wall, 1),
        "renderer_mb": round(peak / 2**20, 1),
        "worker_ms_per_s": round(1000 * (worker1 - worker0) / wall, 2),
        "requests_per_s": round(sum(sent.values()) / wall, 2),
        "observed_per_s": round(observed / wall, 2),
    }



if __name__ == "__main__":
    main()
