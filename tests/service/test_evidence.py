"""Evidence: a JPEG only for a frame violation, only if the exam keeps evidence, deleted after retention."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

from proctor_core.service.models import ViolationRecord

DAY = 24 * 3600


def face_missing(opened, clock, face_jpeg, no_face_jpeg) -> dict:
    """A face, then 7 s without: one face_missing violation, returned as the API sent it."""
    opened.frame(face_jpeg)
    found = []
    for _ in range(7):
        clock.now += 1
        found += opened.frame(no_face_jpeg).json()["violations"]
    assert [v["code"] for v in found] == ["face_missing"]
    return found[0]


def test_evidence_is_kept_when_the_exam_says_so(open_session, clock, face_jpeg, no_face_jpeg):
    opened = open_session(exam="evidence")
    violation = face_missing(opened, clock, face_jpeg, no_face_jpeg)
    assert violation["evidence_url"] == opened.url(f"/violations/{violation['id']}/evidence")

    image = opened.client.get(violation["evidence_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    pixels = cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_COLOR)
    assert pixels.shape == (240, 320, 3)  # the frame as analysed: a 640 px JPEG is decoded at half size

    listed = opened.get("/violations").json()["violations"]
    assert [v["evidence_url"] for v in listed] == [violation["evidence_url"]]


def test_page_violations_and_notices_carry_no_evidence(open_session, clock):
    opened = open_session(exam="evidence")
    opened.post("/events", {"type": "tab_hidden"})
    opened.post("/events", {"type": "camera_unavailable"})
    assert ViolationRecord.objects.count() == 2
    assert not ViolationRecord.objects.filter(evidence_jpeg__isnull=False).exists()


def test_no_evidence_without_keep_evidence(opened, clock, face_jpeg, no_face_jpeg):
    violation = face_missing(opened, clock, face_jpeg, no_face_jpeg)
    assert violation["evidence_url"] is None
    assert not ViolationRecord.objects.filter(evidence_jpeg__isnull=False).exists()
    response = opened.client.get(opened.url(f"/violations/{violation['id']}/evidence"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "evidence_not_found"


def test_evidence_needs_the_sessions_token(open_session, clock, face_jpeg, no_face_jpeg):
    opened = open_session(exam="evidence")
    url = face_missing(opened, clock, face_jpeg, no_face_jpeg)["evidence_url"]
    other = open_session(email="grace@example.org")
    assert APIClient().get(url).status_code == 401
    assert other.client.get(url).status_code == 403


def test_staff_read_sessions_and_evidence_from_the_admin_login(open_session, clock, face_jpeg, no_face_jpeg):
    opened = open_session(exam="evidence")
    url = face_missing(opened, clock, face_jpeg, no_face_jpeg)["evidence_url"]
    staff, member = APIClient(), APIClient()
    staff.force_login(User.objects.create_user("reviewer", is_staff=True))
    member.force_login(User.objects.create_user("visitor"))
    assert staff.get(url).status_code == 200
    assert staff.get(opened.url("/violations")).status_code == 200
    assert member.get(url).status_code == 403  # signed in, but not staff
    assert staff.post(opened.url("/end")).status_code == 401  # staff read; only the candidate's token acts


@pytest.mark.parametrize(("days", "kept"), [(6, True), (8, False)])
def test_purge_deletes_evidence_after_retention(open_session, clock, face_jpeg, no_face_jpeg, days, kept, capsys):
    opened = open_session(exam="evidence")  # retention: 7 days
    face_missing(opened, clock, face_jpeg, no_face_jpeg)
    clock.now += days * DAY

    call_command("purge_evidence", "--dry-run")
    assert capsys.readouterr().out.startswith(f"{0 if kept else 1} evidence image(s)")
    assert ViolationRecord.objects.filter(evidence_jpeg__isnull=False).count() == 1

    call_command("purge_evidence")
    assert ViolationRecord.objects.filter(evidence_jpeg__isnull=False).count() == (1 if kept else 0)
    assert ViolationRecord.objects.filter(code="face_missing").count() == 1  # the violation itself stays
