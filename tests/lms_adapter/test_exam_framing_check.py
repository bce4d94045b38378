"""The rules form asks the exam site whether it lets the tool frame it, and says so before learners meet a blank
exam. A local stand-in site answers with the framing headers real sites send."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lti_test_platform import INSTRUCTOR
from test_deep_linking import CONTENT_ITEMS, answer_jwt, rules

from lms_adapter import exam_params
from proctor_core.service.framing_probe import probe_framing

pytestmark = pytest.mark.django_db

HEADERS = {
    "/open": [],
    "/deny": [("X-Frame-Options", "DENY")],
    "/tool-allowed": [("Content-Security-Policy", "frame-ancestors 'self' http://testserver")],
    "/lms-only": [("Content-Security-Policy", "frame-ancestors https://lms.example.edu")],
    "/login-redirect": [("Location", "/login"), ("X-Frame-Options", "SAMEORIGIN")],
}


class ExamSite:
    def __init__(self) -> None:
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                site.requests.append(self.path)
                headers = HEADERS.get(self.path.split("?")[0])
                self.send_response(404 if headers is None else 302 if self.path == "/login-redirect" else 200)
                for name, value in headers or []:
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site(settings) -> Iterator[ExamSite]:
    settings.PROCTOR = {**settings.PROCTOR, "EXAM_ADDRESS_LOOPBACK_HTTP": True}
    exam_site = ExamSite()
    yield exam_site
    exam_site.server.shutdown()
    exam_site.server.server_close()


def post_rules(platform, client, **changes):
    launch_id = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True).context["launch_id"]
    return client.post("/lti/deep-link/", rules(launch_id, **changes))


@pytest.mark.parametrize("path", ["/open", "/tool-allowed"])
def test_a_site_that_allows_framing_is_accepted(platform, registration, client, site, path):
    response = post_rules(platform, client, exam_url=site.origin + path)

    [item] = answer_jwt(platform, response)[CONTENT_ITEMS]
    assert exam_params.decode(item["custom"][exam_params.CUSTOM_PARAM]).exam_url == site.origin + path
    assert site.requests == [path]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/deny", "X-Frame-Options: DENY"),
        ("/lms-only", "frame-ancestors https://lms.example.edu, which does not include http://testserver"),
        ("/login-redirect", "X-Frame-Options: SAMEORIGIN"),
    ],
)
def test_a_refusing_site_is_named_before_learners_meet_it(platform, registration, client, site, path, reason):
    response = post_rules(platform, client, exam_url=site.origin + path)

    assert response.status_code == 400
    form = response.context["form"]
    [error] = form.errors["exam_url"]
    assert error.startswith("The exam site refuses to be framed by this tool") and reason in error
    assert "must allow http://testserver" in error
    assert form.framing_refused and 'name="add_despite_framing"' in response.content.decode()
    assert "JWT" not in response.content.decode()
    assert site.requests == [path], "one request, no redirect followed"


def test_the_instructor_can_add_it_anyway(platform, registration, client, site):
    """A site may refuse framing to visitors who are not logged in only; the instructor decides."""
    response = post_rules(platform, client, exam_url=site.origin + "/deny", add_despite_framing="on")

    [item] = answer_jwt(platform, response)[CONTENT_ITEMS]
    assert exam_params.decode(item["custom"][exam_params.CUSTOM_PARAM]).exam_url == site.origin + "/deny"
    assert site.requests == [], "not asked when the instructor says to add it anyway"


def test_no_checkbox_without_a_refusal(platform, registration, client, site):
    response = post_rules(platform, client, exam_url="javascript:alert(1)")

    assert response.status_code == 400
    assert not response.context["form"].framing_refused
    assert 'name="add_despite_framing"' not in response.content.decode()


def test_only_public_addresses_are_asked(site):
    """The check runs on an instructor's behalf: loopback (outside development and tests), private and link-local
    addresses, and names that do not resolve, are never fetched; the answer is then "not known"."""
    assert probe_framing(site.origin + "/deny", framer_origin="http://testserver", allow_loopback=False) is None
    assert site.requests == []
    for url in ("https://10.0.0.1/exam", "https://169.254.169.254/latest", "https://[fd00::1]/"):
        assert probe_framing(url, framer_origin="http://testserver", allow_loopback=True) is None
    assert probe_framing(site.origin + "/deny", framer_origin="http://testserver", allow_loopback=True) == (
        "it sends X-Frame-Options: DENY"
    )
    assert site.requests == ["/deny"]


def test_a_public_name_that_resolves_inside_the_network_is_not_asked(monkeypatch):
    """A DNS answer decides, not the name: exam.example.edu pointing at 10.0.0.7, or at both a public and a private
    address, is not fetched; a name that does not resolve is not known either."""
    answers = {
        "inside.example.edu": ["10.0.0.7"],
        "mixed.example.edu": ["203.0.113.9", "192.168.1.4"],
    }
    connections = []

    def resolve(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror("no such name")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: connections.append(args))
    for host in ("inside.example.edu", "mixed.example.edu", "nowhere.example.edu"):
        url = f"https://{host}/quiz"
        assert probe_framing(url, framer_origin="https://proctor.example.org", allow_loopback=True) is None
    assert connections == []


def test_a_site_that_does_not_answer_is_not_known(settings):
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    assert probe_framing(f"http://127.0.0.1:{port}/", framer_origin="http://testserver", allow_loopback=True) is None
