"""Swagger UI at /api/v1/docs in a real browser, with every other host unreachable and the strict CSP on."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.browser


def test_api_docs_render_offline_under_the_csp(live_server, require):
    require(CHROMIUM.is_file(), f"Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    own_host = urlsplit(live_server.url).hostname
    foreign: list[str] = []
    violations: list[str] = []

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()

            def only_our_host(route) -> None:
                if urlsplit(route.request.url).hostname == own_host or route.request.url.startswith("data:"):
                    route.continue_()
                else:
                    foreign.append(route.request.url)
                    route.abort()

            def csp_violation(message) -> None:
                if "Content Security Policy" in message.text:
                    violations.append(message.text)

            page.route("**/*", only_our_host)
            page.on("console", csp_violation)
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)

            title = page.inner_text(".swagger-ui .info .title")
            operations = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()

    assert "Proctor API" in title
    assert any("/api/v1/sessions" in path for path in operations)
    assert foreign == []
    assert violations == []
