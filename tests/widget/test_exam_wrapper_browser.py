"""Exam-wrapper mode in real Chromium: an LTI launch (signed by the test platform) of an activity whose exam lives
on another site opens the wrapper page; the exam frame appears only after consent, clicking and navigating inside
it is not leaving, a real tab switch is, and ending removes the exam and shows the receipt.

The tool is reached as ``localhost:<port>`` and the stand-in exam is served from ``127.0.0.1:<other port>``:
another site, as a real exam would be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from widget_harness import Candidate, Traffic, switch_tab_away_and_back, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lms_adapter"))  # the LTI suite's test platform
from lti_test_platform import LEARNER, LTI, FakePlatform  # noqa: E402

pytestmark = pytest.mark.browser

EXAM_PAGES = {
    "/exam/1": "<h1>Exam page 1</h1><form action='/exam/2'><label>Answer 1 <input id='a1' name='a1'></label>"
    "<button id='next'>Next page</button></form>",
    "/exam/2": "<h1>Exam page 2</h1><form action='/exam/done'><label>Answer 2 <textarea id='a2' name='a2'></textarea>"
    "</label><a id='back' href='/exam/1'>Previous page</a> <button id='submit'>Submit</button></form>",
    "/exam/done": "<h1>Submitted</h1>",
    "/refuse": "<h1>This page refuses to be framed</h1>",
}


@dataclass
class ExamSite:
    origin: str
    tool_origin: str


def exam_handler(tool_origin: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urllib.parse.urlsplit(self.path).path
            body = EXAM_PAGES.get(path)
            if body is None:
                self.send_error(404)
                return
            page = f"<!doctype html><html lang='en'><head><title>Exam</title></head><body>{body}</body></html>"
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if path == "/refuse":
                self.send_header("X-Frame-Options", "DENY")
            else:  # what the exam site must allow: being framed by the tool's origin
                self.send_header("Content-Security-Policy", f"frame-ancestors {tool_origin}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def tool_origin(service) -> str:
    return service.base_url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def exam_site(tool_origin) -> Iterator[ExamSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), exam_handler(tool_origin))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ExamSite(origin=f"http://127.0.0.1:{server.server_address[1]}", tool_origin=tool_origin)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def platform(service, need) -> Iterator[FakePlatform]:
    """The test platform, registered in the running service's database as an administrator would."""
    fake = FakePlatform()
    folder = service.log.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "proctor_core.service.settings", "PROCTOR_DATA_DIR": str(folder)}
    env.pop("DATABASE_URL", None)
    script = (
        "import json; from lms_adapter import keys; from lms_adapter.models import LtiTool; "
        f"LtiTool.objects.create(title='Test LMS', issuer={fake.issuer!r}, client_id={fake.client_id!r}, "
        f"auth_login_url={fake.auth_url!r}, auth_token_url={fake.token_url!r}, key_set_url={fake.jwks_url!r}, "
        f"deployment_ids=json.dumps([{fake.deployment_id!r}]), tool_key=keys.current_key())"
    )
    done = subprocess.run(
        [sys.executable, "-m", "proctor_core.service.cli", "shell", "-c", script],
        env=env, cwd=folder, capture_output=True, text=True, timeout=120,
    )
    need(done.returncode == 0, f"registering the test platform failed: {done.stderr[-2000:]}")
    yield fake
    fake.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def launch(page, platform: FakePlatform, tool_origin: str, exam_url: str, *, sub: str, link: str) -> None:
    """The learner's launch as the platform does it: login initiation, then the id_token form post in the browser."""
    launch_url = f"{tool_origin}/lti/launch/"
    form = urllib.parse.urlencode(
        {
            "iss": platform.issuer,
            "login_hint": sub,
            "target_link_uri": launch_url,
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        }
    ).encode()
    try:
        urllib.request.build_opener(_NoRedirect).open(f"{tool_origin}/lti/login/", data=form, timeout=10)
        pytest.fail("the login initiation did not redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read()[:500]
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(redirect.headers["Location"]).query))
    custom = {"proctor_exam": exam_param(exam_url)}
    claims = platform.claims(
        nonce=params["nonce"], sub=sub, roles=LEARNER, resource_link_id=link, custom=custom,
        **{LTI + "target_link_uri": launch_url},
    )
    fields = {"id_token": platform.sign(claims), "state": params["state"]}
    inputs = "".join(f"<input type='hidden' name='{k}' value='{v}'>" for k, v in fields.items())
    page.set_content(f"<form id='lti' method='post' action='{params['redirect_uri']}'>{inputs}</form>")
    with page.expect_navigation():
        page.evaluate("document.getElementById('lti').submit()")


def exam_param(exam_url: str) -> str:
    """The rules the deep-linking form would send: the written-exam preset and the exam's address."""
    import base64

    raw = json.dumps({"preset": "exam", "detectors": {"silence": {"points": 0}}, "exam_url": exam_url}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FOCUS_PROBE = """
window.__blurs = 0;
window.addEventListener("blur", () => { window.__blurs += 1; });
"""
"""Init script: counts the page's window blur events, to show that clicking into the exam really blurs it."""


def watch_errors(page) -> list[str]:
    """Uncaught errors and Content-Security-Policy refusals of ``page``, from its first load on."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def start_wrapped_monitoring(page, errors: list[str]) -> Candidate:
    page.get_by_role("button", name="I agree: check my camera and microphone").click(timeout=20000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.textContent === 'Start monitoring' && !b.disabled)",
        timeout=20000,
    )
    assert page.locator("iframe").count() == 0, "no exam before monitoring has started"
    page.get_by_role("button", name="Start monitoring").click()
    page.locator("[data-pw=monitor]").wait_for(timeout=20000)
    widget = page.locator("#proctor-wrapper-widget")
    return Candidate(page, page, widget.get_attribute("data-session-id"), widget.get_attribute("data-token"), errors)


def penalised(service, candidate: Candidate) -> list[str]:
    return [v["code"] for v in service.violations(candidate.session_id, candidate.token) if not v.get("notice")]


def test_exam_inside_the_wrapper_is_monitored(browsers, open_page, service, platform, exam_site, screenshots):
    chromium = browsers("face", "speech")
    page = open_page(chromium, "about:blank", init_script=FOCUS_PROBE)
    errors = watch_errors(page)
    launch(page, platform, exam_site.tool_origin, f"{exam_site.origin}/exam/1", sub="21", link="wrap-1")

    assert page.url == f"{exam_site.tool_origin}/lti/launch/"
    assert page.locator("#proctor-exam iframe").count() == 0, "the consent screen comes first, without the exam"
    traffic = Traffic(page)
    candidate = start_wrapped_monitoring(page, errors)
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)

    frame_element = page.locator("iframe[data-pw=exam-frame]")
    frame_element.wait_for(timeout=5000)
    assert frame_element.get_attribute("src") == f"{exam_site.origin}/exam/1"
    assert "allow-top-navigation" not in frame_element.get_attribute("sandbox")
    exam = page.frame_locator("iframe[data-pw=exam-frame]")
    exam.locator("h1", has_text="Exam page 1").wait_for(timeout=10000)
    assert page.evaluate("document.hasFocus()"), "the wrapper page has the focus to begin with"

    blurs_before = page.evaluate("window.__blurs")
    exam.locator("#a1").click()
    exam.locator("#a1").fill("42")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__blurs") > blurs_before, "focus really moved into the exam frame"
    assert page.evaluate("document.hasFocus()")
    exam.locator("#next").click()
    exam.locator("h1", has_text="Exam page 2").wait_for(timeout=10000)
    exam.locator("#a2").fill("Because.")
    page.locator("[data-pw=monitor] h2").click()  # back to the widget, then into the exam again
    exam.locator("#back").click()
    exam.locator("h1", has_text="Exam page 1").wait_for(timeout=10000)
    exam.locator("#a1").click()
    page.wait_for_timeout(2500)  # a blur taken for leaving would have been posted by now

    assert [body["type"] for body in traffic.sent("events")] == [], "moving around the exam is not leaving"
    assert penalised(service, candidate) == []
    page.screenshot(path=screenshots / "exam-wrapper.png")
    dock, framed = page.locator(".pw-wrapper-dock").bounding_box(), frame_element.bounding_box()
    assert dock["x"] + dock["width"] <= framed["x"] and framed["width"] > 700, "a side bar, the exam beside it"
    page.set_viewport_size({"width": 600, "height": 900})
    dock, framed = page.locator(".pw-wrapper-dock").bounding_box(), frame_element.bounding_box()
    assert dock["y"] + dock["height"] <= framed["y"] and framed["width"] >= 550, "narrow: a top bar, the exam below"
    page.set_viewport_size({"width": 1280, "height": 900})

    switch_tab_away_and_back(candidate, chromium)
    wait_for(lambda: candidate.recorded().get("tab_switch"), 10, "tab_switch in the widget's list", page=page)
    page.wait_for_timeout(2000)  # anything counted twice would have arrived by now
    assert penalised(service, candidate) == ["tab_switch"]
    assert "tab_hidden" in [body["type"] for body in traffic.sent("events")]

    page.get_by_role("button", name="End monitoring").click()
    assert page.locator("iframe").count() == 0, "the exam goes as soon as monitoring stops"
    receipt = page.locator("[data-pw=receipt]")
    receipt.wait_for(timeout=15000)
    server = service.session(candidate.session_id, candidate.token)
    assert float(receipt.locator("[data-pw=score]").get_attribute("data-score")) == server["score"] == 92
    assert page.locator("iframe").count() == 0
    assert candidate.errors == []


def test_a_site_that_refuses_framing_is_explained(browsers, open_page, service, platform, exam_site):
    """The browser keeps a refused frame blank and tells the page nothing; the wrapper says what that means."""
    chromium = browsers("face", "speech")
    page = open_page(chromium, "about:blank")
    errors = watch_errors(page)
    launch(page, platform, exam_site.tool_origin, f"{exam_site.origin}/refuse", sub="22", link="wrap-2")
    candidate = start_wrapped_monitoring(page, errors)

    page.locator("iframe[data-pw=exam-frame]").wait_for(timeout=5000)
    note = page.locator(".pw-wrapper-framed")
    assert note.is_visible()
    assert "refuses to be shown inside this page" in note.inner_text()
    page.wait_for_timeout(1500)
    shown = page.frame_locator("iframe[data-pw=exam-frame]").locator("body").inner_text()
    assert "This page refuses to be framed" not in shown, "the browser did not show the refusing page"
    page.get_by_role("button", name="End monitoring").click()
    page.locator("[data-pw=receipt]").wait_for(timeout=15000)
    assert candidate.errors == []


def test_a_newer_launch_takes_the_exam_away_from_the_old_page(browsers, open_page, service, platform, exam_site):
    """A newer launch replaces the session's token: the old page's monitoring stops, and its exam goes with it; the
    newer page resumes the monitoring (no second consent) and shows the exam."""
    chromium = browsers("face", "speech")
    old = open_page(chromium, "about:blank")
    errors = watch_errors(old)
    exam_url = f"{exam_site.origin}/exam/1"
    launch(old, platform, exam_site.tool_origin, exam_url, sub="23", link="wrap-3")
    candidate = start_wrapped_monitoring(old, errors)
    old.locator("iframe[data-pw=exam-frame]").wait_for(timeout=5000)

    new = open_page(chromium, "about:blank")
    launch(new, platform, exam_site.tool_origin, exam_url, sub="23", link="wrap-3")
    assert new.locator("#proctor-wrapper-widget").get_attribute("data-session-id") == candidate.session_id
    old.bring_to_front()

    wait_for(lambda: old.locator("[data-pw=message]").count(), 20, "the old page to stop monitoring", page=old)
    assert old.locator("iframe").count() == 0, "no exam on a page that no longer monitors"
    # Monitoring of this session had started, so the newer page resumes it without consent, and its exam with it.
    new.locator("iframe[data-pw=exam-frame]").wait_for(timeout=10000)
    assert new.locator("iframe").count() == 1
