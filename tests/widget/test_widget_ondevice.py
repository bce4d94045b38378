"""On-device analysis in Chromium: the finder runs in the page, verdicts replace frames, spot-checks catch a
tampered widget, nothing is fetched from another host, and a runtime that cannot load falls back to frames."""

from __future__ import annotations

import urllib.parse

import pytest
from widget_harness import Candidate, wait_for

pytestmark = pytest.mark.browser


def start(page, exam: str, timeout_ms: int = 30000) -> Candidate:
    """Start page -> consent -> device check -> monitoring, for the stand-alone exam ``exam``."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.locator("#name").fill("Ada Candidate")
    page.locator("#email").fill("ada@example.org")
    page.locator("#exam").select_option(exam)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="I agree: check my camera and microphone").click(timeout=timeout_ms)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.textContent === 'Start monitoring' && !b.disabled)",
        timeout=timeout_ms,
    )
    page.get_by_role("button", name="Start monitoring").click()
    page.locator("[data-pw=monitor]").wait_for(timeout=timeout_ms)
    widget = page.locator("#proctor-widget")
    return Candidate(page, page, widget.get_attribute("data-session-id"), widget.get_attribute("data-token"), errors)


class Recorder:
    """Every request the page makes, the observations posted per kind, and the verdict/frame/reveal answers (a
    batch of verdicts counts as its verdicts)."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.posts: dict[str, int] = {}
        self.answers: dict[str, list[dict]] = {"verdicts": [], "frames": [], "reveals": []}
        page.on("request", self._on_request)
        page.on("response", self._on_response)

    def _on_request(self, request) -> None:
        self.urls.append(request.url)
        if request.method == "POST":
            kind = urllib.parse.urlparse(request.url).path.rsplit("/", 1)[-1]
            self.posts[kind] = self.posts.get(kind, 0) + 1

    def _on_response(self, response) -> None:
        path = urllib.parse.urlparse(response.url).path
        kind = "reveals" if path.endswith("/frame") else path.rsplit("/", 1)[-1]
        if response.request.method != "POST" or kind not in self.answers or response.status != 200:
            return
        answer = response.json()
        self.answers[kind] += answer["verdicts"] if kind == "verdicts" else [answer]

    def hosts(self) -> set[str]:
        return {urllib.parse.urlparse(url).netloc for url in self.urls if not url.startswith(("data:", "blob:"))}


def run(browsers, open_page, service, video: str, exam: str, seconds: float, *, route=None):
    page = open_page(browsers(video, "speech"), "about:blank")
    if route:
        page.route(*route)
    recorder = Recorder(page)
    for _ in range(3):  # the sync workers may be held by the browser's idle pre-connected sockets for a while
        page.goto(f"{service.base_url}/")
        if page.locator("#name").count():
            break
        page.wait_for_timeout(5000)
    candidate = start(page, exam)
    page.wait_for_timeout(seconds * 1000)
    return page, recorder, candidate


def end(page, service, candidate) -> dict:
    page.get_by_role("button", name="End monitoring").click()
    page.locator("[data-pw=receipt]").wait_for(timeout=20000)
    return service.session(candidate.session_id, candidate.token)


def test_consent_says_what_leaves_the_device(browsers, open_page, service):
    page = open_page(browsers("face", "speech"))
    page.locator("#name").fill("Ada Candidate")
    page.locator("#email").fill("ada@example.org")
    page.locator("#exam").select_option("ondevice")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="I agree: check my camera and microphone").wait_for(timeout=20000)
    text = page.locator(".pw-panel").inner_text()
    assert "the pictures stay on your device" in text
    assert "fingerprint (hash)" in text and "about one second in a hundred" in text


@pytest.mark.parametrize("video", ["face", "two_faces"])
def test_on_device_mode_gives_what_server_mode_gives(browsers, open_page, service, video):
    """Same camera, both modes: the same face counts per second, the same violations, the same score."""
    page, recorder, candidate = run(browsers, open_page, service, video, "ondevice", 8)
    device = end(page, service, candidate)
    page2, recorder2, candidate2 = run(browsers, open_page, service, video, "interview", 8)
    server = end(page2, service, candidate2)

    verdicts, frames = recorder.answers["verdicts"], recorder2.answers["frames"]
    assert len(verdicts) >= 5, "about one verdict a second"
    assert recorder.answers["frames"] == [], "no frame leaves the device in on-device mode"
    assert "audio" not in recorder.posts, "audio reports travel with the verdicts"
    assert recorder.posts["verdicts"] < len(verdicts) / 2, "verdicts leave in batches"
    assert {v["faces"] for v in verdicts} == {f["faces"] for f in frames} == {1 if video == "face" else 2}
    assert {v["face_status"] for v in verdicts} == {f["face_status"] for f in frames}
    assert recorder.answers["reveals"] and all(r["status"] == "agreed" for r in recorder.answers["reveals"])
    assert set(device["counts"]) == set(server["counts"])
    if video == "face":
        assert device["score"] == server["score"] == 100
    else:  # multiple_faces every 5 s: the counts may differ by one with the seconds each session ran
        assert abs(device["counts"]["multiple_faces"] - server["counts"]["multiple_faces"]) <= 1
    assert recorder.hosts() == {urllib.parse.urlparse(service.base_url).netloc}, recorder.hosts()
    assert candidate.errors == []


def tamper(route) -> None:
    """A modified widget: its finder always reports one face, looking at the screen."""
    body = route.fetch().text()
    lie = "faces = [{ x: 200, y: 120, width: 200, height: 200, score: 0.99, yaw_deg: 0, turned: false }];"
    tampered = body.replace("let quality = \"ok\";", f"{lie}\n      let quality = \"ok\";")
    assert tampered != body
    route.fulfill(body=tampered, headers={"content-type": "text/javascript"})


def test_a_tampered_widget_claiming_a_face_is_caught_by_a_spot_check(browsers, open_page, service):
    """An empty room, and a widget that says "one face": the first verdict's picture is checked and disagrees."""
    page, recorder, candidate = run(
        browsers, open_page, service, "room", "ondevice", 2, route=("**/ondevice/finder.js", tamper)
    )
    wait_for(lambda: recorder.answers["reveals"], 15, "the first spot-check", page=page)
    assert recorder.answers["verdicts"][0]["faces"] == 1, "the tampered widget lied"
    assert recorder.answers["reveals"][0]["status"] == "disagreed"
    [notice] = [v for v in service.violations(candidate.session_id, candidate.token) if v["notice"]]
    assert notice["code"] == "device_verdict_mismatch"
    assert notice["detail"]["device_faces"] == 1 and notice["detail"]["server_faces"] == 0
    assert "face_missing" not in service.session(candidate.session_id, candidate.token)["counts"]


def test_the_widget_falls_back_to_server_analysis_when_the_runtime_cannot_load(browsers, open_page, service):
    page, recorder, candidate = run(
        browsers, open_page, service, "face", "ondevice", 4, route=("**/static/ort/**", lambda route: route.abort())
    )
    wait_for(lambda: len(recorder.answers["frames"]) >= 2, 10, "frames sent to the service", page=page)
    assert recorder.answers["verdicts"] == []
    assert {f["face_status"] for f in recorder.answers["frames"]} == {"ok"}
    assert "now analysed by the exam service" in page.locator(".pw-toasts").inner_text()


STRICT_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
)


def with_strict_csp(route) -> None:
    """Every page under the strict policy the service's pages are meant to carry (the runtime needs only
    'wasm-unsafe-eval' beyond 'self')."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})


def test_on_device_analysis_runs_under_a_strict_content_security_policy(browsers, open_page, service):
    page, recorder, candidate = run(
        browsers, open_page, service, "face", "ondevice", 1, route=("**/*", with_strict_csp)
    )
    wait_for(lambda: len(recorder.answers["verdicts"]) >= 2, 20, "verdicts under the strict policy", page=page)
    assert {v["face_status"] for v in recorder.answers["verdicts"]} == {"ok"}
    assert recorder.answers["frames"] == []
    assert candidate.errors == []
