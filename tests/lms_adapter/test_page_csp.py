"""The tool's pages inside the LMS iframe carry the strict CSP, and run or style nothing inline."""

from __future__ import annotations

import re

import pytest
from lti_test_platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def strict(response) -> None:
    assert response["Content-Security-Policy"].startswith("default-src 'self';"), response["Content-Security-Policy"]
    html = response.content.decode()
    assert INLINE.findall(html) == []
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#", "data:")) and not url.startswith("//"), url


def test_learner_monitor_page(platform, registration, client, clock):
    response = platform.launch(client, roles=LEARNER)
    assert response.status_code == 200
    strict(response)


def test_instructor_review_page(platform, registration, client, clock):
    response = platform.launch(client, sub="2", roles=INSTRUCTOR)
    assert "lms_adapter/review.html" in [template.name for template in response.templates]
    strict(response)


def test_rules_form_and_the_auto_posted_answer(platform, registration, client):
    form = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True)
    strict(form)

    answer = client.post(
        "/lti/deep-link/",
        {
            "launch_id": form.context["launch_id"],
            "title": "Midterm",
            "preset": "exam",
            "policy": "flat",
            "evidence_retention_days": "30",
        },
    )

    assert "lms_adapter/deep_link_return.html" in [template.name for template in answer.templates]
    # The auto-posted form goes to the platform: form-action is not restricted, scripts and styles are.
    assert answer["Content-Security-Policy"].startswith("default-src 'self';")
    assert INLINE.findall(answer.content.decode()) == []


def test_refused_launch_page(platform, registration, client):
    auth = platform.login(client)
    response = platform.post_launch(client, auth, "not.a.token")
    assert response.status_code == 403
    strict(response)
