"""Browser suite of the capture widget: the real service and Debian's Chromium with fake camera and microphone.

One service (gunicorn on loopback, its own SQLite in a temporary folder) serves every test. Chromium is started
as a plain process with a remote-debugging port and attached over CDP: pages of a browser launched by
Playwright never become hidden, this one's do, so a tab switch is a real, trusted ``visibilitychange``. The fake
devices are fixed per browser process, so there is one browser per camera/microphone input, started on first
use and shared by the tests that want the same input.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import widget_media
from widget_harness import Chromium, Embedder, FrameHandler, Service, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "docs" / "img"


@pytest.fixture(scope="session")
def need(pytestconfig) -> Callable[[bool, str], None]:
    """``need()`` of tests/conftest.py: skip locally, fail in CI (conftest modules are not importable by name)."""
    return pytestconfig.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py")).need


# -- the service -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedder() -> Iterator[Embedder]:
    """The "LMS": a page on 127.0.0.1 at another port that frames the tool: another origin, so the frame needs
    ``allow="camera; microphone"``. Framing ``service.base_url`` keeps the same site; test_widget_embedding.py
    frames the service as ``localhost``, another site, where the browser sends the tool no cookie at all."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FrameHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Embedder(origin=f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()


@pytest.fixture(scope="session")
def service(tmp_path_factory, embedder, need) -> Iterator[Service]:
    """The service under gunicorn on loopback, with the demo exams, allowing ``embedder`` to frame it."""
    folder = tmp_path_factory.mktemp("service")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proctor_core.service.settings",
        "PROCTOR_DATA_DIR": str(folder),
        "PROCTOR_FRAME_ANCESTORS": embedder.origin,
        "PROCTOR_ALLOWED_HOSTS": "127.0.0.1 localhost",
        "PROCTOR_LOG_LEVEL": "WARNING",
        "PROCTOR_EXAM_ADDRESS_LOOPBACK_HTTP": "1",  # the stand-in exam sites are plain http on loopback
    }
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "proctor_core.service.cli"]
    for command in (["migrate", "--verbosity", "0"], ["demo"]):
        done = subprocess.run([*cli, *command], env=env, cwd=folder, capture_output=True, text=True, timeout=180)
        need(done.returncode == 0, f"the service does not set up ({' '.join(command)}): {done.stderr[-2000:]}")
    port = free_port()
    log = folder / "service.log"
    env.update(PROCTOR_BIND=f"127.0.0.1:{port}", PROCTOR_WORKERS="3")
    with log.open("w") as out:
        process = subprocess.Popen(
            [*cli, "serve", "--web-only", "--access-logfile", "/dev/null"],
            env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
        )
    service = Service(base_url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                need(False, f"the service exited: {log.read_text()[-2000:]}")
            try:
                if service.call("GET", "/api/v1/plugins")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                need(False, f"the service did not answer within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# -- the browser -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media(tmp_path_factory, need) -> dict[str, Path]:
    """The fake camera videos and microphone sounds."""
    need(
        widget_media.find_image(widget_media.ONE_FACE) is not None
        and widget_media.find_image(widget_media.TWO_FACES) is not None,
        f"face test images (tests/data or ../shared/testdata/faces): {widget_media.ONE_FACE}, {widget_media.TWO_FACES}",
    )
    return widget_media.build(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def playwright(need) -> Iterator[Any]:
    need(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browsers(playwright, media, tmp_path_factory) -> Iterator[Callable[..., Chromium]]:
    """``browsers(video, audio, loop_audio=True)``: the browser whose camera plays ``media[video]`` and whose
    microphone plays ``media[audio]`` (once, then silence, when ``loop_audio`` is false)."""
    started: dict[tuple[str, str, bool], Chromium] = {}

    def get(video: str, audio: str, *, loop_audio: bool = True) -> Chromium:
        key = (video, audio, loop_audio)
        if key not in started:
            folder = tmp_path_factory.mktemp(f"chromium-{video}-{audio}")
            audio_file = f"{media[audio]}{'' if loop_audio else '%noloop'}"
            started[key] = Chromium(playwright, CHROMIUM, folder, media[video], audio_file)
        return started[key]

    yield get
    for chromium in started.values():
        chromium.close()


# -- the monitored candidate -------------------------------------------------------------------------------------------


@pytest.fixture
def open_page(service) -> Iterator[Callable[..., Any]]:
    """``open_page(chromium, url=start page, init_script=None)``: a new tab, closed after the test."""
    pages = []

    def open_(chromium: Chromium, url: str | None = None, *, init_script: str | None = None):
        page = chromium.context.new_page()
        pages.append(page)
        if init_script:
            page.add_init_script(init_script)
        page.goto(url or f"{service.base_url}/")
        return page

    yield open_
    for page in pages:
        if not page.is_closed():
            page.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the suite saves its screenshots: docs/img with PROCTOR_UPDATE_SCREENSHOTS=1, else a temporary folder.

    The docs' pictures are taken by this suite; a plain test run leaves the working tree untouched.
    """
    if os.environ.get("PROCTOR_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")

