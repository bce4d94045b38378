"""The reviewer area: who may enter, the list's filters, the session page's timeline, decisions and exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core import signing
from django.test import Client
from test_review_adjudication import absent_session

from proctor_core.service.models import ProctoringSession, ViolationRecord
from proctor_core.service.review.access import issue_grant
from proctor_core.service.review.models import Adjudication

pytestmark = pytest.mark.django_db


def staff_client(*, permitted: bool = True, name: str = "alice") -> Client:
    user = User.objects.create_user(name, password="pw-long-enough", is_staff=True)
    if permitted:
        user.user_permissions.add(Permission.objects.get(codename="review_sessions"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def ended(open_session, clock, no_face_jpeg) -> ProctoringSession:
    session, _ = absent_session(open_session, clock, no_face_jpeg)
    return session


def _csrf(client: Client, url: str) -> str:
    page = client.get(url)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_anonymous_is_sent_to_login_and_staff_without_permission_refused(ended):
    assert Client().get("/review/").status_code == 302
    assert "/admin/login/" in Client().get(f"/review/sessions/{ended.pk}/")["Location"]
    assert staff_client(permitted=False).get(f"/review/sessions/{ended.pk}/").status_code == 403


def test_session_page_shows_timeline_and_dismissal_rescores(ended, clock):
    client = staff_client()
    url = f"/review/sessions/{ended.pk}/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert 'class="state state-none"' in html and 'class="state state-unknown"' in html
    assert html.count('class="mark mark-pending"') == 4
    assert "<script" not in html and 'style="' not in html
    violation = ended.violations.first()
    answer = client.post(f"{url}decide", {"violation": violation.pk, "decision": "dismissed", "reason": "lamp",
                                          "csrfmiddlewaretoken": _csrf(client, url)})
    assert answer.status_code == 302 and answer["Location"].endswith(f"{url}#decisions")
    html = client.get(url).content.decode()
    assert "<strong>85</strong>" in html and "alice" in html and "lamp" in html and "80 → 85" in html
    receipt = Client().get(re.search(r'href="([^"]+)">candidate', html).group(1).replace("&amp;", "&"))
    shown = json.loads(re.search(r'id="proctor-result-data"[^>]*>(.*?)</script>', receipt.content.decode()).group(1))
    assert receipt.status_code == 200 and shown["report"]["score"] == 85 and shown["dismissed"] == 1


def test_decision_without_csrf_or_reason_changes_nothing(ended):
    client = staff_client()
    url = f"/review/sessions/{ended.pk}/"
    violation = ended.violations.first()
    assert client.post(f"{url}decide", {"violation": violation.pk, "decision": "dismissed",
                                        "reason": "x"}).status_code == 403
    answer = client.post(f"{url}decide", {"violation": violation.pk, "decision": "dismissed", "reason": " ",
                                          "csrfmiddlewaretoken": _csrf(client, url)})
    assert answer.status_code == 400 and "give a reason" in answer.content.decode()
    assert not Adjudication.objects.exists()
    assert ProctoringSession.objects.get(pk=ended.pk).score == 80


def test_lti_grant_opens_its_exam_only(ended, open_session, exams):
    other = open_session(exam="exam")
    grant = issue_grant(exams["interview"], "Prof. Grace")
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/review/lti/{grant}/").status_code == 200
    assert client.get(f"/review/lti/{grant}/sessions/{other.id}/").status_code == 404
    url = f"/review/lti/{grant}/sessions/{ended.pk}/"
    assert client.get(url).status_code == 200
    answer = client.post(f"{url}decide", {"violation": ended.violations.first().pk, "decision": "dismissed",
                                          "reason": "fire drill"})
    assert answer.status_code == 302
    assert Adjudication.objects.get().reviewer == "Prof. Grace (LMS)"


@pytest.mark.parametrize("mangle", ["forged", "altered", "expired"])
def test_bad_grants_are_refused(ended, exams, mangle, monkeypatch):
    grant = issue_grant(exams["interview"], "Prof. Grace")
    if mangle == "forged":
        grant = signing.dumps({"exam": exams["interview"].pk}, salt="another-salt")
    elif mangle == "altered":
        grant = grant[:-2] + ("AA" if not grant.endswith("AA") else "BB")
    else:
        monkeypatch.setattr("proctor_core.service.review.access.GRANT_TTL_S", -1)
    answer = Client().get(f"/review/lti/{grant}/sessions/{ended.pk}/")
    assert answer.status_code == 403 and "expired" in answer.content.decode()


def test_list_filters_sort_and_reject_bad_values(ended, open_session):
    open_session(name="Bob Builder", email="bob@example.org")
    client = staff_client()
    html = client.get("/review/", {"q": "ada"}).content.decode()
    assert "Ada Lovelace" in html and "Bob Builder" not in html
    html = client.get("/review/", {"review": "1"}).content.decode()
    assert "Ada Lovelace" in html and "Bob Builder" not in html
    html = client.get("/review/", {"status": "active", "sort": "name"}).content.decode()
    assert "Bob Builder" in html and "Ada Lovelace" not in html
    assert 'href="?status=active&amp;sort=-name">Candidate' in html, "the sorted column's link reverses it"
    names = re.findall(r'<a href="/review/sessions/[^"]+/">([^<]+)</a>', client.get("/review/", {"sort": "-name"})
                       .content.decode())
    assert names == ["Bob Builder", "Ada Lovelace"]
    for bad in ({"band": "purple"}, {"from": "yesterday"}, {"sort": "password"}, {"page": "-1"}):
        answer = client.get("/review/", bad)
        assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()


def test_exports(ended, exams):
    client = staff_client()
    ended.candidate.name = "=HYPERLINK(evil)"
    ended.candidate.save()
    body = client.get("/review/export/sessions.csv", {"exam": "interview"})
    assert body.status_code == 200 and body["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(body.content.decode())))
    assert (row["score"], row["violations"], row["candidate_name"]) == ("80.0", "4", "'=HYPERLINK(evil)")
    violations = client.get("/review/export/violations.json", {"exam": "interview"}).json()
    assert [v["points"] for v in violations] == [5, 5, 5, 5]
    assert client.get("/review/export/sessions.csv", {"exam": "nope"}).status_code == 400
    assert client.get("/review/export/secrets.csv", {"exam": "interview"}).status_code == 404


def test_evidence_pictures_are_shown_to_reviewers_of_that_exam_only(open_session, clock, no_face_jpeg, exams):
    session, _ = absent_session(open_session, clock, no_face_jpeg, exam="evidence")
    violation = session.violations.first()
    client = staff_client()
    html = client.get(f"/review/sessions/{session.pk}/").content.decode()
    url = f"/review/sessions/{session.pk}/evidence/{violation.pk}.jpg"
    assert f'src="{url}"' in html
    picture = client.get(url)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert bytes(picture.content[:2]) == b"\xff\xd8"
    other_exam = issue_grant(exams["interview"], "Prof. Grace")
    foreign = f"/review/lti/{other_exam}/sessions/{session.pk}/evidence/{violation.pk}.jpg"
    assert Client().get(foreign).status_code == 404
    assert client.get(f"/review/sessions/{session.pk}/evidence/nope.jpg").status_code == 404
    ViolationRecord.objects.filter(pk=violation.pk).update(evidence_jpeg=None)  # purged
    assert client.get(url).status_code == 404


def test_whole_episode_dismissed_at_once(ended):
    client = staff_client()
    url = f"/review/sessions/{ended.pk}/"
    html = client.get(url).content.decode()
    assert "face_missing: 4 detections over" in html
    ids = list(ended.violations.values_list("pk", flat=True))
    answer = client.post(f"{url}decide", {"violation": ids, "decision": "dismissed", "reason": "webcam cover slipped",
                                          "csrfmiddlewaretoken": _csrf(client, url)})
    assert answer.status_code == 302
    assert ProctoringSession.objects.get(pk=ended.pk).score == 100
    assert Adjudication.objects.filter(decision="dismissed").count() == 4


def test_running_session_page_has_no_decision_forms(open_session, clock, no_face_jpeg):
    session, _ = absent_session(open_session, clock, no_face_jpeg, end=False)
    html = staff_client().get(f"/review/sessions/{session.pk}/").content.decode()
    assert "Still running: no score yet." in html and 'class="decide"' not in html
    assert html.count('class="mark mark-pending"') == 4


def test_lti_export_is_scoped_to_the_grants_exam(ended, exams):
    grant = issue_grant(exams["interview"], "Prof. Grace")
    rows = Client().get(f"/review/lti/{grant}/export/sessions.json", {"exam": "interview"}).json()
    assert [row["session_id"] for row in rows] == [str(ended.pk)]
    assert Client().get(f"/review/lti/{grant}/export/sessions.json", {"exam": "exam"}).status_code == 400
