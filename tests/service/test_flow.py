"""The stand-alone flow end to end through HTTP: start page, API session, frames, audio, tab switches, end, result."""

from __future__ import annotations

import json
import re

from django.test import Client

from proctor_core.service import api
from proctor_core.service.models import Candidate, ProctoringSession, ViolationRecord


def test_79_two_tab_switches_and_one_face_missing(opened, clock, face_jpeg, no_face_jpeg):
    """DESIGN §6: 2 tab switches + 1 face missing = 100 - 16 - 5 = 79, yellow; every deduction explained."""

    start = clock.now

    def at(offset: float) -> dict:
        clock.now = start + offset
        return {"captured_at": clock.now}

    first = opened.frame(face_jpeg, seq=1, **at(1))
    assert first.status_code == 200, first.content
    assert first.json() == {"face_status": "ok", "faces": 1, "violations": []}

    missing = []
    for seq, offset in enumerate(range(2, 8), start=2):
        response = opened.frame(no_face_jpeg, seq=seq, **at(offset))
        assert response.status_code == 200
        assert response.json()["face_status"] == "no_face"
        missing += response.json()["violations"]
    assert [(v["code"], v["at"]) for v in missing] == [("face_missing", "2023-11-14T22:13:27Z")]
    assert missing[0]["rule"] == "condition longer than 5 s; not again within 2 s"

    back = opened.client.post(opened.url("/frames") + "?seq=8", face_jpeg, content_type="image/jpeg")
    assert back.status_code == 200 and back.json()["face_status"] == "ok"

    for seq, (offset, silent) in enumerate([(8, False), (9, True)], start=1):
        response = opened.post("/audio", {"is_silent": silent, "level": 0.2, "seq": seq, **at(offset)})
        assert response.status_code == 200 and response.json() == {"violations": []}

    events = [
        (10, "tab_hidden"), (10.5, "window_blur"), (12, "tab_visible"), (12.2, "window_focus"), (20, "tab_hidden")
    ]
    switches = []
    for seq, (offset, kind) in enumerate(events, start=1):
        response = opened.post("/events", {"type": kind, "seq": seq, **at(offset)})
        assert response.status_code == 200
        switches += [v["code"] for v in response.json()["violations"]]
    assert switches == ["tab_switch", "tab_switch"]

    clock.now = start + 25
    ended = opened.post("/end")
    assert ended.status_code == 200
    result = ended.json()
    assert (result["score"], result["risk_level"]) == (79, "yellow")
    assert sorted((p["code"], p["points"]) for p in result["penalties"]) == [
        ("face_missing", 5), ("tab_switch", 8), ("tab_switch", 8)
    ]
    assert all(p["rule"] and p["reason"] for p in result["penalties"])

    detail = opened.get().json()
    assert detail["active"] is False
    assert detail["counts"] == {"face_missing": 1, "tab_switch": 2}
    assert (detail["score"], detail["risk_level"]) == (79, "yellow")

    listed = opened.get("/violations").json()["violations"]
    assert [v["code"] for v in listed] == ["face_missing", "tab_switch", "tab_switch"]
    assert all(v["evidence_url"] is None for v in listed)  # the interview preset keeps no evidence


def test_result_page_explains_the_score(opened, clock):
    start = clock.now
    for seq, offset in enumerate((1, 30), start=1):
        clock.now = start + offset
        opened.post("/events", {"type": "tab_hidden", "seq": seq})
        opened.post("/events", {"type": "tab_visible", "seq": 100 + seq})
    opened.post("/end")
    session = ProctoringSession.objects.get(pk=opened.id)

    page = Client().get(api.result_url(session))
    assert page.status_code == 200
    html = page.content.decode()
    report = json.loads(re.search(r'id="proctor-result-data"[^>]*>(.*?)</script>', html).group(1))["report"]
    assert (report["score"], report["risk_level"]) == (84, "yellow")
    assert [line["description"] for line in report["receipt"]] == ["Switched away from the exam tab"] * 2
    assert 'data-start-url="/"' in html, "the way back to the start page"
    assert page["Cache-Control"] == "private, no-store"


def test_result_page_needs_its_key(opened):
    wrong = Client().get(f"/s/{opened.id}/result?key=0123456789abcdef0123456789abcdef")
    missing = Client().get(f"/s/{opened.id}/result")
    assert wrong.status_code == missing.status_code == 404


def test_result_page_of_a_running_session_says_so(opened):
    page = Client().get(api.result_url(ProctoringSession.objects.get(pk=opened.id)))
    assert page.status_code == 200
    assert '<script id="proctor-result-data" type="application/json">null</script>' in page.content.decode()


def test_start_page_lists_the_standalone_exams(exams):
    page = Client().get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert all(f'value="{slug}"' in html for slug in ("interview", "exam", "evidence"))


def test_start_page_preselects_the_apis_default_exam_and_lists_its_rules_in_words(exams, settings):
    html = Client().get("/").content.decode()
    assert '<option value="interview" selected>' in html and html.count(" selected>") == 1
    rules = re.search(r'data-exam="interview".*?<ul>(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", rules) == [
        "More than one person in view: 10 points",
        "Switching away from the exam tab: 8 points",
        "No face seen for more than 5 s: 5 points",
        "Silence for more than 10 s: 5 points",
        "Looking away from the screen for more than 3 s: 2 points",
    ]
    written = re.search(r'data-exam="exam".*?<ul>(.*?)</ul>', html, re.S).group(1)
    assert "<li>Silence for more than 10 s: noted for the reviewer, no points</li>" in written
    settings.PROCTOR = {**settings.PROCTOR, "DEFAULT_EXAM": "exam"}
    assert '<option value="exam" selected>' in Client().get("/").content.decode()


def test_start_page_refuses_a_bad_email_and_opens_nothing(exams):
    page = Client().post("/", {"name": "Ada", "email": "not-an-address", "exam": "interview"})
    assert page.status_code == 400
    assert "Enter a valid email address." in page.content.decode()
    assert ProctoringSession.objects.count() == 0


def test_start_page_redirects_to_the_monitoring_page_with_the_token_in_the_fragment(exams):
    """Post/Redirect/Get: a reload of the monitoring page re-posts nothing, so it opens no second session."""
    client = Client()
    answer = client.post("/", {"name": "Ada", "email": "ada@example.org", "exam": "exam"})
    assert answer.status_code == 303
    session = ProctoringSession.objects.get()
    assert (session.exam.slug, session.candidate.email) == ("exam", "ada@example.org")
    path, _, fragment = answer["Location"].partition("#")
    assert path == f"/s/{session.pk}/monitor"
    token = fragment.removeprefix("token=")
    assert api.session_by_token(token) == session
    assert not answer.cookies.get("proctor_token") and "token" not in "".join(str(c) for c in answer.cookies.values())

    for _ in range(2):  # the reload
        page = client.get(path)
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        html = page.content.decode()
        assert token not in html and 'data-token=""' in html, "the token stays in the fragment and the tab"
        assert "key=" not in html, "the page gives no result key to whoever knows the session id"
    assert ProctoringSession.objects.count() == 1


def test_monitoring_page_of_an_unknown_session_is_404(exams):
    assert Client().get("/s/00000000-0000-0000-0000-000000000000/monitor").status_code == 404
    assert Client().get("/s/not-a-uuid/monitor").status_code == 404
    assert Client().post("/s/00000000-0000-0000-0000-000000000000/monitor").status_code in {404, 405}


def test_monitor_context_carries_token_api_base_and_result_url(exams):
    session, token = api.open_session(exam=exams["exam"], name="Ada", email="ada@example.org")
    context = api.monitor_page_context(session, token)
    assert context["token"] == token and context["session_id"] == str(session.pk)
    assert context["api_base"] == "/api/v1"
    assert context["result_url"].startswith(f"/s/{session.pk}/result?key=")
    assert (context["keep_evidence"], context["evidence_retention_days"]) == (False, 30)


def test_monitor_page_tells_the_candidate_what_evidence_is_kept(exams):
    """The consent screen is told the exam's evidence rule, so it can state it exactly."""
    page = Client().post("/", {"name": "Ada", "email": "ada@example.org", "exam": "evidence"}, follow=True)
    html = page.content.decode()
    assert 'data-keep-evidence="true"' in html and 'data-evidence-retention-days="7"' in html


def test_plugin_manager_sees_violation_and_score_inside_the_transaction(opened, clock):
    """The notification hooks fire with the saved rows visible (inside the saving transaction)."""
    from proctor_core import hookimpl
    from proctor_core.service.apps import service_config

    seen = []

    class Recorder:
        @hookimpl
        def proctor_violation_recorded(self, violation, session):
            seen.append(("violation", violation.code, ViolationRecord.objects.filter(pk=violation.id).exists()))

        @hookimpl
        def proctor_session_scored(self, report, session):
            stored = ProctoringSession.objects.get(pk=session.id)
            seen.append(("scored", report.score, stored.score, session.ended_at is not None))

    pm = service_config().plugins.pm
    pm.register(Recorder(), name="test-recorder")
    try:
        opened.post("/events", {"type": "tab_hidden"})
        opened.post("/end")
        opened.post("/end")
    finally:
        pm.unregister(name="test-recorder")
    assert seen == [("violation", "tab_switch", True), ("scored", 92, 92, True)]



def test_violation_hook_gets_the_exam_without_loading_it_again(opened):
    """The exam loaded by the token check is reused for the hook's session info: no second exam query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proctor_core import hookimpl
    from proctor_core.service.apps import service_config

    seen = []

    class Recorder:
        @hookimpl
        def proctor_violation_recorded(self, violation, session):
            seen.append((violation.code, session.exam, session.id))

    pm = service_config().plugins.pm
    pm.register(Recorder(), name="test-recorder")
    try:
        with CaptureQueriesContext(connection) as queries:
            response = opened.post("/events", {"type": "tab_hidden"})
    finally:
        pm.unregister(name="test-recorder")
    assert response.status_code == 200 and response.json()["violations"]
    assert seen == [("tab_switch", "interview", str(opened.id))]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "proctor_exam"')]

def test_same_email_twice_opens_two_sessions(open_session):
    first, second = open_session(), open_session()
    assert first.id != second.id and first.token != second.token
    assert Candidate.objects.filter(email="ada@example.org").count() == 2


def test_crashing_detector_is_logged_not_stored_and_others_still_count(opened, monkeypatch, caplog):
    """A page detector that raises: the event still answers 200 with tab_switch, and a warning names both."""
    import sys
    import types

    from proctor_core import hookimpl
    from proctor_core.plugins import make_plugin_manager
    from proctor_core.service.apps import service_config
    from proctor_core.types import DetectorSpec, ObservationKind

    class Crashing:
        def __init__(self, config):
            pass

        def observe(self, observation):
            raise ValueError("page model missing")

    crash = types.ModuleType("crash_page_plugin")
    crash.proctor_detectors = hookimpl(
        lambda: [DetectorSpec(name="crashy_page", consumes=ObservationKind.PAGE, factory=Crashing)])
    monkeypatch.setitem(sys.modules, crash.__name__, crash)
    monkeypatch.setattr(service_config(), "plugins",
                        make_plugin_manager(load_entrypoints=False, extra_plugins=[crash.__name__]))
    response = opened.post("/events", {"type": "tab_hidden"})
    assert response.status_code == 200
    assert [v["code"] for v in response.json()["violations"]] == ["tab_switch"]
    assert list(ViolationRecord.objects.values_list("code", flat=True)) == ["tab_switch"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"detector crashy_page failed in session {opened.id}: ValueError: page model missing"]


def test_unknown_pages_answer_a_styled_404_and_errors_a_styled_500(db):
    from django.template.loader import render_to_string

    page = Client().get("/no-such-page/")
    html = page.content.decode()
    assert page.status_code == 404
    assert html.count("<h1>") == 1 and "Page not found" in html and "proctor/page.css" in html
    assert "proctor/favicon.svg" in html
    assert Client().get("/api/v1/no-such-thing").json()["error"]["code"] == "not_found", "the API stays JSON"
    crashed = render_to_string("500.html")  # rendered without a request, as Django's server_error does
    assert crashed.count("<h1>") == 1 and "Something went wrong" in crashed and "Traceback" not in crashed


def test_every_stand_alone_view_has_one_h1_and_the_favicon(exams):
    client = Client()
    start = client.get("/").content.decode()
    monitor = client.post("/", {"name": "Ada", "email": "ada@example.org", "exam": "exam"}, follow=True)
    for html in (start, monitor.content.decode()):
        assert html.count("<h1") == 1, html[:300]
        assert "proctor/favicon.svg" in html
