"""The tool's LMS pages inside a 375 px wide LMS iframe, in Chromium: none is wider than the frame, so the LMS
page around it never scrolls sideways.

The pages are rendered by the tool (Django's test client, through the test platform's launches) and shown in an
iframe of a 375 px wide page, with the tool's own stylesheets inlined.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from lti_test_platform import INSTRUCTOR, LEARNER

from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/([^"]+)">')


@pytest.fixture
def assert_fits(require):
    """``assert_fits(response)``: the page, in a 375 px LMS iframe, is no wider than the frame.

    Chromium is started only to measure: Playwright's sync API runs an event loop, in which Django refuses queries.
    """
    require(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright Python package")

    def check(response) -> None:
        assert response.status_code in (200, 400, 403), response.status_code
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                inner, frame, outer, viewport = width_in_a_375px_frame(browser, response.content.decode())
            finally:
                browser.close()
        assert inner <= frame, f"{inner} px of content in a {frame} px frame"
        assert outer <= viewport

    return check


def width_in_a_375px_frame(browser, page_html: str) -> tuple[int, int, int, int]:
    """(content width, frame width) inside the iframe and (content width, viewport width) of the LMS page."""
    inlined = STYLESHEET.sub(lambda link: f"<style>{Path(finders.find(link[1])).read_text()}</style>", page_html)
    assert "<style>" in inlined and '<link rel="stylesheet"' not in inlined
    lms_page = (
        "<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'></head>"
        "<body style='margin:0'><iframe id='tool' style='width:100%;height:700px;border:0' "
        f"srcdoc=\"{html.escape(inlined)}\"></iframe></body></html>"
    )
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.set_content(lms_page)
    frame = page.locator("#tool").element_handle().content_frame()
    frame.wait_for_load_state()
    measure = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    return (*frame.evaluate(measure), *page.evaluate(measure))


def test_the_review_page_fits(assert_fits, platform, registration, client):
    for sub in ("7", "8"):
        learner = platform.launch(client, sub=sub, roles=LEARNER)
        session = ProctoringSession.objects.get(pk=learner.context["session_id"])
        attempt = session.lti_attempt
        attempt.quiz_name, attempt.quiz_attempt_number = "Semester examination in " + "Thermodynamics" * 4, 3
        attempt.save()
        api.end_session(session)

    review = platform.launch(client, sub="2", roles=INSTRUCTOR)

    assert "lms_adapter/review.html" in [template.name for template in review.templates]
    assert_fits(review)


def test_the_rules_form_fits(assert_fits, platform, registration, client):
    form = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True)

    assert "lms_adapter/rules_form.html" in [template.name for template in form.templates]
    assert_fits(form)


def test_a_refused_launch_fits(assert_fits, platform, registration, client):
    refused = platform.launch(client, sub="2", roles=INSTRUCTOR, custom={"proctor_exam": "x" * 300})

    assert refused.status_code == 400
    assert_fits(refused)
