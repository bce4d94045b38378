"""Helpers of the widget's browser suite: the service client, the framing page, Chromium over CDP, and the
steps a candidate takes."""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1280,900",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, *, page: Any = None) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds.

    With ``page``, the pause between polls is the page's, so Playwright delivers its events meanwhile (the sync API
    delivers them only inside its own calls).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        if page is None:
            time.sleep(0.25)
        else:
            page.wait_for_timeout(250)


@dataclass
class Service:
    """The running service and a small REST client for the tests' own checks."""

    base_url: str
    log: Path

    def received(self, session_id: str) -> set[tuple[str, int]]:
        """The observations the service recorded for an active session (its retry receipts), read from its SQLite
        database: what arrived, whether or not the browser saw the answer; named as :class:`Traffic` names them (by
        the address they were posted to)."""
        database = self.log.parent / "proctor.sqlite3"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
            rows = connection.execute(
                "SELECT stream, seq FROM proctor_observationreceipt WHERE session_id = ?",
                (session_id.replace("-", ""),),
            ).fetchall()
        streams = {"frame": "frames", "audio": "audio", "page": "events"}
        return {(streams[stream], int(seq)) for stream, seq in rows}

    def call(self, method: str, path: str, *, token: str | None = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.base_url}{path}", headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def session(self, session_id: str, token: str) -> dict:
        status, body = self.call("GET", f"/api/v1/sessions/{session_id}", token=token)
        assert status == 200, body
        return body

    def monitor_page(self, *, name: str = "Quinn Quiz", exam: str = "exam") -> tuple[str, str, str]:
        """The start form posted as a browser without JavaScript does, then the monitoring page it redirects to
        (the real template) with the token filled in as an LMS launch renders it; the new session's id and token."""
        jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        with opener.open(f"{self.base_url}/", timeout=10) as response:
            form = response.read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "name": name, "email": "quinn@example.org", "exam": exam}
        ).encode()
        request = urllib.request.Request(f"{self.base_url}/", data=body, headers={"Referer": f"{self.base_url}/"})
        try:
            opener.open(request, timeout=10)
            raise AssertionError("the start form did not redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code == 303, answer.code
            path, _, fragment = answer.headers["Location"].partition("#")
        token = urllib.parse.unquote(fragment.removeprefix("token="))
        with opener.open(f"{self.base_url}{path}", timeout=10) as response:
            page = response.read().decode()
        session_id = re.search(r'data-session-id="([^"]+)"', page).group(1)
        return page.replace('data-token=""', f'data-token="{token}"'), session_id, token

    def violations(self, session_id: str, token: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v1/sessions/{session_id}/violations", token=token)
        assert status == 200, body
        return body["violations"]


@dataclass
class Embedder:
    """A page on another origin that puts a URL in an iframe: ``/frame?src=...&allow=camera; microphone``."""

    origin: str

    def url(self, src: str, *, allow: str | None = "camera; microphone") -> str:
        query = urllib.parse.urlencode({"src": src, **({"allow": allow} if allow is not None else {})})
        return f"{self.origin}/frame?{query}"


def quiz_page(src: str, number: int, pages: int) -> str:
    """A page of an LMS quiz attempt: the question, the monitoring panel (an iframe of the tool), and a link to
    the next page; after the last page, the summary. Each page is a new top-level document, as in Moodle."""
    next_link = (
        f"<a id='next' href='/quiz?{urllib.parse.urlencode({'src': src, 'page': number + 1, 'pages': pages})}'>"
        "Next page</a>"
        if number < pages
        else "<p id='summary'>Summary of attempt</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Quiz page {number}</title></head>"
        f"<body style='font-family:sans-serif;margin:1rem'><h1>Question {number}</h1>"
        f"<label>Answer <input id='answer' name='answer'></label> {next_link}"
        f"<iframe id='tool' title='Proctoring' src='{html.escape(src)}' allow='camera; microphone' "
        "style='display:block;width:100%;height:520px;border:1px solid #999'></iframe></body></html>"
    )


class FrameHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parsed = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(parsed.query)
        if parsed.path == "/quiz":
            number, pages = int(query.get("page", ["1"])[0]), int(query.get("pages", ["2"])[0])
            return self._reply(quiz_page(query["src"][0], number, pages).encode())
        src = html.escape(query.get("src", ["about:blank"])[0])
        allow = query.get("allow", [None])[0]
        allow_attr = f' allow="{html.escape(allow)}"' if allow is not None else ""
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Course page</title></head>"
            "<body style='font-family:sans-serif;margin:1rem'><h1>Course page (another origin)</h1>"
            f"<iframe id='tool' title='Proctoring' src='{src}'{allow_attr} "
            "style='width:min(1000px,100%);height:760px;border:1px solid #999'></iframe></body></html>"
        ).encode()
        self._reply(page)

    def _reply(self, page: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args) -> None:
        pass


class Chromium:
    """Debian's Chromium started as a process with fake devices, attached over CDP."""

    def __init__(self, playwright, executable: Path, folder: Path, video: Path, audio: str) -> None:
        profile = folder / "profile"
        self.log = (folder / "chromium.log").open("w")
        self.process = subprocess.Popen(
            [
                str(executable),
                *CHROMIUM_FLAGS,
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--use-file-for-fake-video-capture={video}",
                f"--use-file-for-fake-audio-capture={audio}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Chromium did not start: {(folder / 'chromium.log').read_text()[-2000:]}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        self.browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}", no_defaults=True)
        self.context = self.browser.contexts[0]

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()


@dataclass
class Candidate:
    """A page (or frame) where the widget is monitoring one session."""

    page: Any  # the Page that holds the tab
    frame: Any  # the Page or Frame that holds the widget
    session_id: str
    token: str
    errors: list[str]

    def face_status(self) -> str | None:
        return self.frame.locator("[data-pw=face]").get_attribute("data-status")

    def recorded(self) -> dict[str, int]:
        """The widget's "Recorded so far" list, by code."""
        items = self.frame.locator("[data-pw=recorded] li")
        return {
            items.nth(i).get_attribute("data-code"): int(items.nth(i).inner_text().rsplit(":", 1)[1])
            for i in range(items.count())
        }


def start_monitoring(page, frame, *, exam: str = "interview", timeout_ms: int = 20000) -> Candidate:
    """Fill the start form in ``frame`` (the demo exam ``exam``), give consent, pass the device check and start
    monitoring. Uncaught errors of ``page`` are collected in ``Candidate.errors``."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    frame.locator("#name").fill("Ada Candidate")
    frame.locator("#email").fill("ada@example.org")
    frame.locator("#exam").select_option(exam)
    frame.get_by_role("button", name="Start").click()
    frame.get_by_role("button", name="I agree: check my camera and microphone").click(timeout=timeout_ms)
    start = frame.get_by_role("button", name="Start monitoring")
    start.wait_for(timeout=timeout_ms)
    frame.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.textContent === 'Start monitoring' && !b.disabled)",
        timeout=timeout_ms,
    )
    start.click()
    frame.locator("[data-pw=monitor]").wait_for(timeout=timeout_ms)
    widget = frame.locator("#proctor-widget")
    return Candidate(page, frame, widget.get_attribute("data-session-id"), widget.get_attribute("data-token"), errors)


class Traffic:
    """The observations a page posted (every attempt) and those the service answered with 200."""

    def __init__(self, page) -> None:
        self.page = page
        self.attempts: list[tuple[str, int, dict | None]] = []
        self.delivered: set[tuple[str, int]] = set()
        self.requests: list[Any] = []
        self.settled: set[Any] = set()  # requests answered (finished or failed) so far
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfinished", self._on_settled)
        page.on("requestfailed", self._on_settled)

    @staticmethod
    def _observation(request) -> tuple[str, int, dict | None] | None:
        url = urllib.parse.urlparse(request.url)
        stream = url.path.rsplit("/", 1)[-1]
        observed = stream in {"frames", "audio", "events"} and "/api/v1/sessions/" in url.path
        if request.method != "POST" or not observed:
            return None
        if stream == "frames" and request.headers.get("content-type") == "image/jpeg":
            return stream, int(urllib.parse.parse_qs(url.query)["seq"][0]), None
        body = json.loads(request.post_data or "{}")
        return stream, int(body["seq"]), body

    def _on_request(self, request) -> None:
        observation = self._observation(request)
        if observation:
            self.attempts.append(observation)
            self.requests.append(request)

    def _on_response(self, response) -> None:
        observation = self._observation(response.request)
        if observation and response.status == 200:
            self.delivered.add(observation[:2])

    def _on_settled(self, request) -> None:
        self.settled.add(request)

    def sent(self, stream: str) -> list[dict | None]:
        """Bodies of the distinct observations of ``stream``, in the order first attempted."""
        self.page.wait_for_timeout(100)  # let Playwright deliver the events still pending
        seen: dict[int, dict | None] = {}
        for kind, seq, body in self.attempts:
            if kind == stream and seq not in seen:
                seen[seq] = body
        return list(seen.values())

    def undelivered(self) -> set[tuple[str, int]]:
        """Observations posted before the call and never answered with 200, once each of those requests has its
        answer. Requests posted while waiting (the frame of the next second) are not counted: they are not lost."""
        posted = len(self.requests)
        answered = lambda: self.settled.issuperset(self.requests[:posted])  # noqa: E731
        wait_for(answered, 15, "the answers to what is in flight", page=self.page)
        return {(stream, seq) for stream, seq, _ in self.attempts[:posted]} - self.delivered


def switch_tab_away_and_back(candidate: Candidate, chromium: Chromium, *, away_s: float = 2.0) -> None:
    """Bring another tab to the front for ``away_s`` seconds, then the exam tab again: real visibility changes."""
    other = chromium.context.new_page()
    other.bring_to_front()
    wait_for(lambda: candidate.page.evaluate("document.visibilityState") == "hidden", 5, "the exam tab to be hidden")
    other.wait_for_timeout(away_s * 1000)
    candidate.page.bring_to_front()
    wait_for(lambda: candidate.page.evaluate("document.visibilityState") == "visible", 5, "the exam tab to be shown")
    other.close()


RECORD_STREAMS = """
(() => {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const open = devices.getUserMedia.bind(devices);
  window.__testStreams = [];
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    window.__testStreams.push(stream);
    return stream;
  };
})();
"""
"""Init script: keeps every stream the page opens in ``window.__testStreams``, to check the tracks are stopped."""
