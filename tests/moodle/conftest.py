"""End-to-end suite of the Moodle quiz access rule: a real Moodle 4.5 (../shared/moodle) with the plugin installed,
the tool under gunicorn on ``localhost`` (another site than Moodle's 127.0.0.1, as in production) with its grade
worker, and Debian's Chromium with a fake camera, driven over CDP as tests/widget does.

Set-up, once per run: the harness's setup.sh and server.sh, the plugin copied into the tree and installed by
upgrade.php, the tool registered through LTI Dynamic Registration (dynreg_start.sh + activate_tool.sh, as an
administrator would), then a Proctor activity and a two-page quiz with names unique to the run. Every step's time
is printed at the end; Moodle's and the tool's logs are printed after a failed test.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "widget"))  # widget_harness, widget_media: the browser suite's helpers

import widget_harness  # noqa: E402
import widget_media  # noqa: E402
from moodle_harness import Harness, Tool, env_for_tool  # noqa: E402
from widget_harness import Chromium, free_port  # noqa: E402

HARNESS = Path(os.environ.get("PROCTOR_MOODLE_HARNESS") or ROOT.parent / "shared" / "moodle")
CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "docs" / "img"
FAILED = pytest.StashKey[bool]()
BODY_TEXT = "() => document.body ? document.body.innerText : ''"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.moodle)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="session")
def need(pytestconfig) -> Callable[[bool, str], None]:
    """``need()`` of tests/conftest.py: skip locally, fail in CI."""
    return pytestconfig.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py")).need


TIMINGS: list[tuple[str, float]] = []


@pytest.fixture(scope="session")
def timings() -> list[tuple[str, float]]:
    """Steps and their seconds, printed at the end of the run (also when every test passed)."""
    return TIMINGS


def pytest_terminal_summary(terminalreporter) -> None:
    if TIMINGS:
        terminalreporter.write_sep("-", "Moodle suite: seconds per step")
        for what, seconds in TIMINGS:
            terminalreporter.write_line(f"  {seconds:7.1f} s  {what}")


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("moodle-logs")


@pytest.fixture(scope="session")
def harness(need, logs, timings) -> Iterator[Harness]:
    """Moodle running with the plugin installed (set up first when needed: ~2 min the first time)."""
    need((HARNESS / "setup.sh").is_file(), f"the Moodle harness at {HARNESS} (PROCTOR_MOODLE_HARNESS)")
    need(
        shutil.which("php") is not None and shutil.which("psql") is not None,
        "PHP and psql (the harness's setup.sh installs them)",
    )
    need(CHROMIUM.is_file(), f"Chromium at {CHROMIUM}")
    env = {**os.environ}
    env.setdefault("HARNESS_DIR", "/tmp/proctor-moodle")
    env.setdefault("MOODLE_HOST", "127.0.0.1")
    env.setdefault("MOODLE_PORT", "8800")
    harness = Harness(HARNESS, env, logs, timings)
    harness.sh("setup.sh", timeout=1200)
    was_running = harness.sh("server.sh", "status", check=False).stdout.startswith("moodle running")
    if not was_running:
        harness.sh("server.sh", "start")
    started = time.monotonic()
    harness.install_plugin()
    harness.timed("install the plugin (copy + upgrade.php)", started)
    try:
        yield harness
    finally:
        if not was_running:
            harness.sh("server.sh", "stop", check=False)


@pytest.fixture(scope="session")
def tool(harness, tmp_path_factory, timings) -> Iterator[Tool]:
    """The tool on http://localhost:<free port>, with ``db_worker`` delivering grades, registered in Moodle by
    LTI Dynamic Registration and activated as an administrator would."""
    folder = tmp_path_factory.mktemp("tool")
    port = free_port()
    tool = Tool(folder, f"http://localhost:{port}", env_for_tool(folder, port, harness.url))
    started = time.monotonic()
    tool.cli("migrate", "--verbosity", "0")
    tool.cli("rotate_lti_key")
    tool.spawn(folder / "worker.log", "db_worker", "--interval", "0.5", "--no-reload", "--no-startup-delay")
    try:
        tool.start_service()
        timings.append(("start the tool and its worker", time.monotonic() - started))
        started = time.monotonic()
        link = tool.cli("lti_registration_url", "--base-url", tool.base_url).strip()
        start = harness.json("dynreg_start.sh", f"--url={link}")
        with urllib.request.urlopen(start["initiate_registration_url"], timeout=60) as response:
            page = response.read().decode()
        assert "Registered" in page, page[-2000:]
        activated = harness.json("activate_tool.sh", f"--clientid={start['client_id']}")
        tool.env["PROCTOR_TEST_TYPEID"] = str(activated["typeid"])
        timings.append(("LTI Dynamic Registration + activation", time.monotonic() - started))
        yield tool
    finally:
        tool.stop()


@pytest.fixture(scope="session")
def course(harness, tool) -> dict[str, Any]:
    """A Proctor activity and a quiz of two pages, named for this run (the site may keep earlier runs' ones)."""
    stamp = time.strftime("%H%M%S")
    quiz_name = f"Quiz {stamp}"
    activity = harness.json(
        "add_activity.sh", f"--typeid={tool.env['PROCTOR_TEST_TYPEID']}", f"--name=Integrity: {quiz_name}",
        "--grademax=100",
    )
    quiz = harness.json("add_quiz.sh", f"--name={quiz_name}", "--questions=2", "--perpage=1", "--qtype=truefalse")
    assert len({q["page"] for q in quiz["questions"]}) == 2, quiz
    return {"activity": activity, "quiz": quiz}


@pytest.fixture(scope="session")
def media(tmp_path_factory, need) -> dict[str, Path]:
    """The fake camera (one face) and a silent microphone, so only what the test does is recorded."""
    need(widget_media.find_image(widget_media.ONE_FACE) is not None, "face test images (tests/data)")
    folder = tmp_path_factory.mktemp("media")
    face = widget_media.write_y4m(folder / "face.y4m", [widget_media.photo(widget_media.ONE_FACE)] * 2)
    quiet = widget_media.write_wav(folder / "quiet.wav", widget_media.silence(2.0))
    return {"face": face, "quiet": quiet}


@pytest.fixture(scope="module")
def playwright(need) -> Iterator[Any]:
    """Playwright for this module only: its sync API runs an event loop in the main thread until it stops, and the
    browser suite (tests/widget) starts its own after these tests in the same run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package")
    with sync_playwright() as instance:
        yield instance


def _browsers(playwright, media, folder: Path, logs: Path) -> Iterator[Callable[[], Chromium]]:
    """New Chromium processes; at the end, a screenshot of each open page goes to the logs folder."""
    started: list[Chromium] = []

    def new(*, refuse_devices: bool = False) -> Chromium:
        profile = folder / f"chromium-{len(started)}"
        profile.mkdir()
        flags = widget_harness.CHROMIUM_FLAGS
        if refuse_devices:
            # The student says no: every permission prompt is answered "Block" instead of the fake "Allow".
            widget_harness.CHROMIUM_FLAGS = (
                *(flag for flag in flags if flag != "--use-fake-ui-for-media-stream"),
                "--deny-permission-prompts",
            )
        try:
            started.append(Chromium(playwright, CHROMIUM, profile, media["face"], str(media["quiet"])))
        finally:
            widget_harness.CHROMIUM_FLAGS = flags
        return started[-1]

    yield new
    for number, chromium in enumerate(started):
        for index, page in enumerate(chromium.context.pages):
            name = logs / f"{folder.name}-browser{number}-page{index}"
            try:
                page.screenshot(path=f"{name}.png", timeout=5000)
                frames = [f"== {frame.url}\n{frame.evaluate(BODY_TEXT)[:1500]}" for frame in page.frames]
                Path(f"{name}.txt").write_text("\n".join(frames))
            except Exception:  # noqa: BLE001 (a closed or hung page must not hide the test's own failure)
                pass
        chromium.close()


@pytest.fixture
def browser(playwright, media, tmp_path, logs) -> Iterator[Callable[..., Chromium]]:
    """``browser(refuse_devices=False)``: a new Chromium process (its own cookies: one Moodle user) whose student
    allows (or refuses) the camera and microphone, closed after the test."""
    yield from _browsers(playwright, media, tmp_path, logs)


@pytest.fixture(scope="module")
def browser_module(playwright, media, tmp_path_factory, logs) -> Iterator[Callable[[], Chromium]]:
    """``browser()`` for module fixtures: closed after the module."""
    yield from _browsers(playwright, media, tmp_path_factory.mktemp("browsers"), logs)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """docs/img with PROCTOR_UPDATE_SCREENSHOTS=1 (the docs' pictures), else a temporary folder."""
    if os.environ.get("PROCTOR_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(autouse=True)
def print_logs_on_failure(request) -> Iterator[None]:
    """After a failed test that used Moodle: the tails of Moodle's, the tool's and the worker's logs (kept in the
    test's tmp dir)."""
    yield
    if not request.node.stash.get(FAILED, False) or "tool" not in request.fixturenames:
        return
    harness, tool = request.getfixturevalue("harness"), request.getfixturevalue("tool")
    moodle_log = Path(harness.env["HARNESS_DIR"]) / "moodle.log"
    for log in [moodle_log, harness.logs / "harness.log", *tool.logs]:
        if log.is_file():
            lines = log.read_text(errors="replace").splitlines()
            interesting = [line for line in lines if "quizaccess" in line or "Error" in line or "error" in line]
            print(f"\n===== {log} (last 60 lines; screenshots of the pages in {harness.logs}) =====")
            print("\n".join(lines[-60:]))
            if interesting:
                print(f"----- {log}: errors and quizaccess lines -----")
                print("\n".join(interesting[-40:]))
