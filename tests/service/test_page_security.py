"""Every page the service renders carries a strict CSP and loads nothing inline or from another host; cookies stay
first-party (SameSite=Lax), Secure in HTTPS mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client, RequestFactory

from proctor_core.service import api
from proctor_core.service.middleware import ContentSecurityPolicyMiddleware
from proctor_core.service.models import ProctoringSession

STRICT = "default-src 'self'"


class Assets(HTMLParser):
    """What a page loads (script src, stylesheet and icon href, img src) and what it runs or styles inline."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in attributes:
            if name.startswith("on") or name == "style":
                self.inline.append(f"{tag} {name}=")
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(attributes["src"])
            elif attributes.get("type") != "application/json":
                self._in = "script"
        elif tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])
        elif tag in {"img", "iframe"} and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "style":
            self._in = "style"

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"<{self._in}>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def check_page(response, client: Client | None = None) -> Assets:
    """The page's CSP is strict; it loads only the service's own files (each of which is served) and nothing inline."""
    assert STRICT in response["Content-Security-Policy"], response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    parser = Assets()
    parser.feed(response.content.decode())
    assert parser.inline == []
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//") or url == "data:,", url
        if client is not None and url.startswith("/"):
            assert client.get(url).status_code == 200, url
    return parser


def test_api_docs_load_with_no_external_host(db):
    client = Client()
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assets = check_page(response, client)
    assert any(url.endswith("swagger-ui-bundle.js") and "/static/" in url for url in assets.urls)
    script = client.get("/api/v1/docs?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/api/v1/schema" in script.content.decode()
    assert not re.search(r"https?://", response.content.decode())


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/v1/docs", "/no-such-page/"])
def test_every_get_page_carries_the_csp(db, path):
    response = Client().get(path)
    assert response.status_code in {200, 404}
    check_page(response, Client())


def test_monitor_and_result_pages_carry_the_csp(exams, clock):
    client = Client()
    monitor = client.post("/", {"name": "Ada", "email": "ada@example.org", "exam": "interview"}, follow=True)
    assert monitor.status_code == 200
    check_page(monitor, client)

    result = client.get(api.result_url(ProctoringSession.objects.get()))

    assert result.status_code == 200, result.content
    check_page(result, client)


def test_start_form_errors_carry_the_csp(exams):
    response = Client().post("/", {"name": "", "email": "not-an-address"})
    assert response.status_code == 400
    check_page(response)


def test_admin_pages_carry_the_csp_and_are_never_framed(db, settings):
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))

    for path in ("/admin/", "/admin/proctor/exam/", "/admin/proctor/exam/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert STRICT in response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_configured_lms_may_frame_the_tool_but_not_the_admin(db, settings):
    settings.PROCTOR = {**settings.PROCTOR, "FRAME_ANCESTORS": ["https://moodle.example.org"]}
    client = Client()  # a new client builds the middleware chain, with the new origins

    page = client.get("/")
    admin = client.get("/admin/login/")

    assert page["Content-Security-Policy"].endswith("frame-ancestors https://moodle.example.org")
    assert STRICT in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    assert admin["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert admin["X-Frame-Options"] == "DENY"


def test_a_response_with_its_own_csp_keeps_it():
    own = "default-src 'self'; frame-src https://exam.example.org; frame-ancestors 'none'"

    def view(request):
        response = HttpResponse("framed exam")
        response["Content-Security-Policy"] = own
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/wrapper/"))

    assert response["Content-Security-Policy"] == own


def test_admin_cookies_are_lax(db):
    User.objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client()

    response = client.post("/admin/login/", {"username": "admin", "password": "pw", "next": "/admin/"})

    assert response.status_code == 302
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


HTTPS_SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
User.objects.create_superuser("admin", "admin@example.org", "pw")
client = Client()
response = client.post("/admin/login/", {"username": "admin", "password": "pw", "next": "/admin/"}, secure=True)
print(json.dumps({"status": response.status_code, **{
    name: {"samesite": response.cookies[name]["samesite"], "secure": bool(response.cookies[name]["secure"]),
           "httponly": bool(response.cookies[name]["httponly"])}
    for name in ("sessionid", "csrftoken")
}}))
"""


def test_https_mode_admin_cookies_are_secure_and_lax(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="proctor_core.service.settings",
        PROCTOR_HTTPS="1",
        PROCTOR_SECRET_KEY="s" * 10 + "Q7vX2pL9sR4tY8wZ1mN6bC3dF5gH0jKqwertyuiop",
        PROCTOR_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run([sys.executable, "-c", HTTPS_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    cookies = json.loads(result.stdout.strip().splitlines()[-1])

    assert cookies["status"] == 302
    assert cookies["sessionid"] == {"samesite": "Lax", "secure": True, "httponly": True}
    assert cookies["csrftoken"]["samesite"] == "Lax"
    assert cookies["csrftoken"]["secure"] is True
