"""Embedding across sites with no cookie, and one session per sitting: the start page inside an iframe of another
site (the parent on 127.0.0.1, the service on localhost) opens the session through the API, the monitoring page
is a GET address with the token in the fragment, and a reload resumes the same session without asking again."""

from __future__ import annotations

import urllib.parse

import pytest
from widget_harness import Traffic, start_monitoring, wait_for

pytestmark = pytest.mark.browser

CONSENT = "I agree: check my camera and microphone"


def cross_site(service) -> str:
    """The service as the browser sees it from the embedder's site: another host name, so another site."""
    return service.base_url.replace("127.0.0.1", "localhost")


def tool_frame(page):
    return page.locator("#tool").element_handle().content_frame()


def test_cross_site_iframe_starts_with_no_cookie_and_a_reload_resumes(browsers, open_page, service, embedder):
    page = open_page(browsers("face", "speech"), embedder.url(f"{cross_site(service)}/"))
    sent_cookies: list[str] = []
    page.on("request", lambda request: "cookie" in request.headers and sent_cookies.append(request.url))
    traffic = Traffic(page)
    frame = tool_frame(page)
    assert urllib.parse.urlsplit(frame.url).hostname == "localhost"
    assert urllib.parse.urlsplit(page.url).hostname == "127.0.0.1"

    candidate = start_monitoring(page, frame)
    wait_for(lambda: candidate.face_status() == "ok", 15, "the face status inside the cross-site iframe", page=page)
    monitor_url = urllib.parse.urlsplit(frame.url)
    assert monitor_url.path == f"/s/{candidate.session_id}/monitor"
    assert monitor_url.fragment == "", "the token is taken out of the address at once"
    assert not [url for url in sent_cookies if url.startswith(cross_site(service))], "no cookie reaches the service"
    page.wait_for_timeout(2000)
    before = max(seq for stream, seq, _ in traffic.attempts if stream == "frames")

    last_before_reload = max(seq for _, seq, _ in traffic.attempts)
    frame.evaluate("location.reload()")  # the candidate reloads the monitoring page mid-session
    frame = tool_frame(page)
    frame.locator("[data-pw=monitor]").wait_for(timeout=20000)
    assert frame.get_by_role("button", name=CONSENT).count() == 0, "no consent again within the sitting"
    assert frame.locator("#proctor-widget").get_attribute("data-session-id") == candidate.session_id
    wait_for(
        lambda: max(seq for stream, seq, _ in traffic.attempts if stream == "frames") > before,
        15,
        "frames after the reload, numbered after those before it",
        page=page,
    )
    notices = lambda: [v["code"] for v in service.violations(candidate.session_id, candidate.token)]  # noqa: E731
    wait_for(lambda: "session_resumed" in notices(), 10, "the reviewer's notice that the page was reopened", page=page)
    assert notices().count("session_resumed") == 1
    assert service.session(candidate.session_id, candidate.token)["active"] is True
    # A request in flight when the page went away may have had its answer cut off: the browser never saw it, but the
    # service has it. Every observation of the reloaded page is answered.
    undelivered = traffic.undelivered()
    assert all(seq <= last_before_reload for _, seq in undelivered), undelivered
    tried = {(stream, seq) for stream, seq, _ in traffic.attempts}
    wait_for(
        lambda: tried <= service.received(candidate.session_id), 10, "every observation tried to reach the service",
        page=page,
    )
    assert candidate.errors == []


def test_monitoring_address_without_a_token_explains_and_calls_nothing(browsers, open_page, service):
    """The address alone (another tab: nothing kept for it) opens no session and asks nothing of the API."""
    _, session_id, _ = service.monitor_page()
    chromium = browsers("face", "speech")
    api_calls: list[str] = []
    page = chromium.context.new_page()
    try:
        page.on("request", lambda request: "/api/" in request.url and api_calls.append(request.url))
        page.goto(f"{cross_site(service)}/s/{session_id}/monitor")
        message = page.locator("[data-pw=message]")
        message.wait_for(timeout=10000)
        assert "no access key" in message.inner_text()
        page.wait_for_timeout(500)
        assert api_calls == []
        page.goto(f"{cross_site(service)}/s/{session_id}/monitor#token=forged")
        page.locator("[data-pw=message]").filter(has_text="link").wait_for(timeout=10000)
        assert page.get_by_role("button", name=CONSENT).count() == 0, "a forged token opens nothing"
    finally:
        page.close()


def test_start_page_in_a_cross_site_iframe_says_what_is_wrong_in_plain_words(browsers, open_page, service, embedder):
    page = open_page(browsers("face", "speech"), embedder.url(f"{cross_site(service)}/"))
    frame = tool_frame(page)
    frame.locator("#name").fill("")
    frame.locator("#email").fill("not-an-address")
    frame.get_by_role("button", name="Start").click()
    frame.locator("#email-error").wait_for(timeout=10000)
    assert frame.locator("#email-error").inner_text() == "Enter a valid email address."
    assert frame.locator("#name-error").inner_text() == "Enter your name."
    assert frame.locator("#email").get_attribute("aria-invalid") == "true"
    assert urllib.parse.urlsplit(frame.url).path == "/", "nothing opened"
