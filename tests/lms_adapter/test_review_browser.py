"""The reviewer flow in real Chromium against the running tool (pytest-django's live server): stand-alone staff
reviewer and LTI instructor open a session, see its timeline, dismiss a violation with a reason, and see the new
score on the page and on the candidate's receipt; in LMS mode the new grade reaches the platform's AGS endpoint once.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from lti_test_platform import INSTRUCTOR
from test_grades import learner_session

from proctor_core.config import ExamConfig
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def browser(require):
    require(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright Python package")
    # Playwright's sync API keeps an event loop in this thread while it runs; the ORM calls of the tests and of
    # their database teardown are synchronous all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    """Into docs/img only with PROCTOR_UPDATE_SCREENSHOTS=1: a plain run leaves the tree untouched."""
    if os.environ.get("PROCTOR_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOTS / name, full_page=True)


def no_face_jpeg() -> bytes:
    ramp = np.tile(np.linspace(110, 170, 640, dtype=np.float32), (480, 1))
    ok, encoded = cv2.imencode(".jpg", cv2.merge([ramp, ramp, ramp]).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return encoded.tobytes()


def sitting(client, session: ProctoringSession, token: str, clock, face_jpeg: bytes) -> None:
    """Face for 4 s, away for 12 s, face again, then a tab switch; sent through the REST API."""
    start, empty = clock.now, no_face_jpeg()

    def post(path: str, body: dict, at: float):
        clock.now = start + at
        answer = client.post(f"/api/v1/sessions/{session.pk}{path}", body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 200, answer.content

    for t in range(1, 31):
        jpeg = empty if 5 <= t <= 16 else face_jpeg
        post("/frames", {"image": base64.b64encode(jpeg).decode(), "seq": t}, t)
        post("/audio", {"is_silent": False, "seq": t}, t)
        if t == 22:
            post("/events", {"type": "tab_hidden", "seq": 1}, t + 0.2)
        if t == 25:
            post("/events", {"type": "tab_visible", "seq": 2}, t + 0.2)
    clock.now = start + 31


def dismiss_tab_switch(page, reason: str) -> None:
    """Open the tab-switch mark on the timeline, then dismiss that violation with a reason."""
    mark = page.locator("svg.timeline a.mark").filter(has=page.locator("title", has_text="tab_switch"))
    row_id = mark.get_attribute("href")
    mark.click()
    assert page.evaluate("location.hash") == row_id
    row = page.locator(f"tr{row_id}")
    row.locator("select[name=decision]").select_option("dismissed")
    row.locator("input[name=reason]").fill(reason)
    row.get_by_role("button", name="Save").click()
    page.wait_for_url("**#decisions")


def test_staff_reviewer_dismisses_in_chromium(page, live_server, client, clock, face_jpeg, db):
    exam = api.get_or_create_exam("interview", title="Interview", config=ExamConfig.from_preset("interview"),
                                  standalone=True)
    session, token = api.open_session(exam=exam, name="Ada Lovelace", email="ada@example.org")
    sitting(client, session, token, clock, face_jpeg)
    assert api.end_session(session).score == 72  # 4 × face missing (−20), 1 tab switch (−8)
    api.open_session(exam=exam, name="Bob Builder", email="bob@example.org")
    user = User.objects.create_user("rita", password="a-long-password-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_sessions"))

    page.goto(f"{live_server.url}/review/")
    page.locator("#id_username").fill("rita")
    page.locator("#id_password").fill("a-long-password-1")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/review/")
    assert page.locator("table.sessions tbody tr").count() == 2
    screenshot(page, "review-list.png")
    page.get_by_role("link", name="Ada Lovelace").click()

    timeline = page.locator("svg.timeline")
    timeline.wait_for()
    assert timeline.locator("rect.state-none").count() >= 1 and timeline.locator("rect.state-ok").count() >= 2
    assert timeline.locator("a.mark-pending").count() == 5
    assert page.locator("#score strong").inner_text() == "72"
    screenshot(page, "review-session.png")

    dismiss_tab_switch(page, "the fire alarm went off")
    assert page.locator("#score strong").inner_text() == "80"
    assert "the fire alarm went off" in page.locator("table.audit").inner_text()
    assert "rita" in page.locator("table.audit").inner_text()
    assert page.locator("svg.timeline a.mark-dismissed").count() == 1
    page.get_by_role("link", name="candidate’s receipt").click()
    assert page.locator("[data-pw=score]").inner_text() == "80"
    assert "A reviewer dismissed 1 recorded violation" in page.locator("[data-pw=note]").inner_text()


def test_lti_instructor_dismisses_in_chromium(page, live_server, platform, registration, client, clock, face_jpeg):
    session = learner_session(platform, client)
    sitting(client, session, api.reissue_token(session), clock, face_jpeg)
    assert api.end_session(session).score == 87  # exam preset: one absence (−5), one tab switch (−8)
    call_command("deliver_grades")
    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [87]

    # As inside the LMS iframe on another site: the tool's cookies are never sent back.
    page.route("**/*", lambda route: route.continue_(
        headers={k: v for k, v in route.request.headers.items() if k.lower() != "cookie"}))
    auth = platform.login(client, login_hint="2")
    id_token = platform.sign(platform.claims(nonce=auth.nonce, sub="2", roles=INSTRUCTOR,
                                             lineitem=session.lti_attempt.resource_link.lineitem_url))
    page.set_content(
        f'<form method="post" action="{live_server.url}/lti/launch/"><input name="id_token" value="{id_token}">'
        f'<input name="state" value="{auth.state}"><button>Launch</button></form>'
    )
    page.get_by_role("button", name="Launch").click()
    page.get_by_role("link", name="Ada Learner7").click()
    page.locator("svg.timeline").wait_for()
    assert page.locator("#score strong").inner_text() == "87"
    assert "the gradebook shows 87" in page.locator("#gradebook").inner_text()

    dismiss_tab_switch(page, "a network outage moved the quiz window")
    assert page.locator("#score strong").inner_text() == "95"
    call_command("deliver_grades")
    call_command("deliver_grades")
    assert [post.body["scoreGiven"] for post in platform.accepted_scores] == [87, 95]
    page.reload()
    assert "the gradebook shows 95" in page.locator("#gradebook").inner_text()
    page.get_by_role("link", name="candidate’s receipt").click()
    assert page.locator("[data-pw=score]").inner_text() == "95"
    assert page.get_by_text("You can close this page now.").is_visible(), "an LMS exam's receipt leads nowhere"
