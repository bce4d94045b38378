"""A proctored Moodle quiz, end to end: the teacher links a two-page quiz to a Proctor activity in the quiz settings;
a student whose camera is refused cannot start; a student with a face starts, answers on every page, switches tab
once and submits; the tool records exactly that one tab switch and Moodle's gradebook shows the tool's score; a
second attempt gets its own session; the teacher's review page links to the Proctor activity's review; backups
carry the quiz's link to its activity."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from moodle_harness import login
from moodle_pages import (
    DOCK,
    answer_page,
    consent_and_check,
    fold_and_unfold_panel,
    gradebook,
    link_quiz,
    monitoring,
    open_preflight,
    press,
    sessions,
    submit_attempt,
)
from widget_harness import free_port, switch_tab_away_and_back

ADD_STUDENT = Path(__file__).with_name("add_student.php")
ABANDON = Path(__file__).with_name("abandon_attempt.php")
DUPLICATE = Path(__file__).with_name("duplicate_quiz.php")
COPY = Path(__file__).with_name("copy_quiz.php")


@pytest.fixture(scope="module")
def proctored(harness, course, browser_module, screenshots, timings) -> dict[str, Any]:
    """The teacher links the quiz to the Proctor activity in the quiz settings, in the browser."""
    started = time.monotonic()
    page = browser_module().context.new_page()
    login(page, harness.url, harness.env.get("MOODLE_TEACHER_USER", "teacher1"),
          harness.env.get("MOODLE_TEACHER_PASS", "Harness-Teacher-1"))
    link_quiz(page, harness, course["quiz"]["cmid"], course["activity"]["name"])
    page.locator("#id_proctorheader").screenshot(path=str(screenshots / "moodle-quiz-settings.png"))
    page.locator("#id_submitbutton").click()
    page.wait_for_url("**/mod/quiz/view.php**")
    description = page.locator("#region-main").inner_text()
    rows = harness.sql(f"SELECT ltiid FROM mdl_quizaccess_proctor WHERE quizid = {course['quiz']['quizid']}")
    assert rows == [[str(course["activity"]["ltiid"])]], rows
    assert f"proctored by {course['activity']['name']}" in description, description
    timings.append(("teacher links the quiz in its settings (browser)", time.monotonic() - started))
    return {**course, "teacher_page": page}


@pytest.fixture(scope="module")
def student(harness) -> dict[str, Any]:
    user = harness.env.get("MOODLE_STUDENT_USER", "student1")
    userid = int(harness.sql(f"SELECT id FROM mdl_user WHERE username = '{user}'")[0][0])
    return {"user": user, "password": harness.env.get("MOODLE_STUDENT_PASS", "Harness-Student-1"), "id": userid}


def attempts_of(harness, quizid: int, userid: int) -> list[list[str]]:
    return harness.sql(
        f"SELECT id, attempt, state FROM mdl_quiz_attempts WHERE quiz = {quizid} AND userid = {userid} ORDER BY id"
    )


def forge_start(page, harness, cmid: int) -> str:
    """POST the quiz's pre-flight form to startattempt.php without opening it (no panel ever runs), and return the
    error Moodle's server puts under the Proctoring section ("" if none)."""
    page.goto(f"{harness.url}/mod/quiz/view.php?id={cmid}")
    form = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#mod_quiz_preflight_form input[type=hidden]')]"
        ".map(input => [input.name, input.value]))"
    )
    assert any(name.startswith("_qf__") for name in form), form
    form["submitbutton"] = "Start attempt"
    response = page.request.post(f"{harness.url}/mod/quiz/startattempt.php", form=form)
    assert response.ok, response.status
    error = re.search(r'id="id_error_proctorpanel"[^>]*>\s*([^<]*)', response.text())
    return html.unescape(error.group(1)).strip() if error else ""


def take_quiz(
    page, chromium, harness, quiz: dict, *, consent: bool, switch_on_page: int | None, shots=None, before_submit=None
) -> dict:
    """Start an attempt through the pre-flight panel, answer every page (switching tab once on one of them),
    submit (calling ``before_submit`` first). Returns the attempt id and how long monitoring took to resume on
    each page."""
    panel = open_preflight(page, harness, quiz["cmid"])
    if consent:
        consent_and_check(panel, page)
    monitoring(panel, page)
    if shots:
        page.screenshot(path=str(shots / "moodle-preflight.png"))
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_url("**/mod/quiz/attempt.php**", timeout=60000)
    attempt_id = int(re.search(r"attempt=(\d+)", page.url).group(1))
    resumed = []
    for number in range(1, len(quiz["questions"]) + 1):
        dock = page.frame_locator(DOCK)
        resumed.append(round(monitoring(dock, page), 1))
        consent = dock.get_by_role("button", name="I agree: check my camera and microphone")
        assert consent.count() == 0, "a quiz page never asks for consent again"
        if shots and number == 1:
            page.screenshot(path=str(shots / "moodle-attempt.png"))
            fold_and_unfold_panel(page)
        answer_page(page)
        if number == switch_on_page:
            switch_tab_away_and_back(SimpleNamespace(page=page), chromium)
            page.wait_for_timeout(1500)  # let the widget post its events before the next navigation
        press(page, page.locator("#mod_quiz-next-nav"))
        page.wait_for_load_state("load")
    assert "/mod/quiz/summary.php" in page.url, page.url
    resumed.append(round(monitoring(page.frame_locator(DOCK), page), 1))
    if before_submit:
        before_submit()
    submit_attempt(page)
    assert page.locator("[data-proctor-panel]").count() == 0, "no panel on the review page"
    return {"attempt_id": attempt_id, "resumed": resumed}


def test_refused_camera_cannot_start(harness, proctored, browser, tool, screenshots):
    """The student blocks the camera and microphone: the pre-flight says why, and no attempt starts."""
    moodle_dir = str(harness.moodle_dir)
    userid = int(harness.php(str(ADD_STUDENT), moodle_dir, "student_nocam", "Harness-Student-2").stdout.strip())
    page = browser(refuse_devices=True).context.new_page()
    login(page, harness.url, "student_nocam", "Harness-Student-2")
    panel = open_preflight(page, harness, proctored["quiz"]["cmid"])
    panel.get_by_role("button", name="I agree: check my camera and microphone").click(timeout=40000)
    panel.get_by_text(re.compile("Camera access was denied")).wait_for(timeout=30000)
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_load_state("load")
    error = page.locator("#id_error_proctorpanel")
    error.wait_for(timeout=30000)
    error.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "moodle-preflight-refused.png"))
    assert "/mod/quiz/startattempt.php" in page.url, page.url
    reason = error.inner_text().strip()
    assert reason and "cannot be reached" not in reason, f"the pre-flight says why, in the tool's words: {reason!r}"
    assert attempts_of(harness, proctored["quiz"]["quizid"], userid) == []

    # Enforced by Moodle's server: the form posted directly, without the panel, starts nothing either.
    assert forge_start(page, harness, proctored["quiz"]["cmid"]) == reason
    assert attempts_of(harness, proctored["quiz"]["quizid"], userid) == []


def test_unreachable_tool_fails_closed(harness, course, browser, tool, timings):
    """A quiz whose Proctor activity's tool does not answer: no attempt, and the student is told."""
    started = time.monotonic()
    dead = f"http://localhost:{free_port()}"
    stamp = course["quiz"]["name"]
    typeid = harness.json(
        "register_tool.sh", f"--name=Unreachable {stamp}", f"--toolurl={dead}/lti/launch/",
        f"--initiatelogin={dead}/lti/login/", f"--jwks={dead}/lti/jwks/",
    )["typeid"]
    activity = harness.json("add_activity.sh", f"--typeid={typeid}", f"--name=Integrity (down): {stamp}")
    quiz = harness.json("add_quiz.sh", f"--name=Unreachable {stamp}", "--questions=1")
    # Linking this quiz in the settings form is what the first test shows; here it is a row of the rule's table.
    harness.sql(f"INSERT INTO mdl_quizaccess_proctor (quizid, ltiid) VALUES ({quiz['quizid']}, {activity['ltiid']})")
    userid = int(harness.php(str(ADD_STUDENT), str(harness.moodle_dir), "student_nocam", "Harness-Student-2").stdout)
    page = browser().context.new_page()
    login(page, harness.url, "student_nocam", "Harness-Student-2")
    assert "cannot be reached" in forge_start(page, harness, quiz["cmid"])
    assert attempts_of(harness, quiz["quizid"], userid) == []
    timings.append(("unreachable tool refused", time.monotonic() - started))


@pytest.fixture(scope="module")
def first_attempt(harness, tool, proctored, student, browser_module, screenshots, timings) -> dict[str, Any]:
    started = time.monotonic()
    chromium = browser_module()
    page = chromium.context.new_page()
    login(page, harness.url, student["user"], student["password"])
    taken = take_quiz(page, chromium, harness, proctored["quiz"], consent=True, switch_on_page=2, shots=screenshots)
    timings.append((f"first attempt (monitoring resumed per page, s: {taken['resumed']})", time.monotonic() - started))
    return {**taken, "page": page, "chromium": chromium}


def test_student_takes_proctored_quiz_and_gradebook_shows_tool_score(harness, tool, proctored, student, first_attempt):
    quiz, activity = proctored["quiz"], proctored["activity"]
    attempts = attempts_of(harness, quiz["quizid"], student["id"])
    assert [row[2] for row in attempts] == ["finished"], attempts
    assert int(attempts[0][0]) == first_attempt["attempt_id"]
    assert max(first_attempt["resumed"]) < 15, f"monitoring resumes within seconds on each page: {first_attempt}"

    rows = sessions(tool, student["id"])
    bound = [row for row in rows if row["attempt_id"] == first_attempt["attempt_id"]]
    assert len(bound) == 1 and bound[0]["number"] == 1, rows
    session = bound[0]
    assert len([row for row in rows if row["attempt_id"] is None]) == 0, "page loads open no new session"
    assert session["active"] is False and session["score"] is not None, session
    # The fake microphone is silent, which the exam preset records as "silence" for 0 points; anything else
    # recorded would come from the student's tab switch or from moving between quiz pages.
    counted = [code for code, notice in session["violations"] if not notice and code != "silence"]
    assert counted == ["tab_switch"], f"exactly one tab switch, nothing from page navigation: {session}"
    assert session["penalties"] == ["tab_switch"], session

    grade = gradebook(harness, activity["cmid"], student["user"], session["score"])
    assert grade.get("ok"), f"gradebook {grade.get('finalgrade')} != tool score {session['score']}: {grade} {session}"


def test_teacher_review_shows_score_and_links_to_the_proctor_review(
    harness, tool, proctored, student, first_attempt, screenshots
):
    session = next(row for row in sessions(tool, student["id"]) if row["attempt_id"] == first_attempt["attempt_id"])
    page = proctored["teacher_page"]
    page.goto(f"{harness.url}/mod/quiz/review.php?attempt={first_attempt['attempt_id']}")
    link = page.locator(".alert").get_by_role("link", name=re.compile("Open the proctoring review"))
    link.wait_for(timeout=20000)
    notice = page.locator(".alert").filter(has_text="Open the proctoring review").inner_text()
    assert f"Integrity score of this attempt: {session['score']:g}/100 ({session['risk']})" in notice, notice
    assert link.get_attribute("href").endswith(f"/mod/lti/view.php?id={proctored['activity']['cmid']}")
    page.screenshot(path=str(screenshots / "moodle-review-link.png"))
    link.click()
    review = page.frame_locator("#contentframe")
    review.get_by_text("Attempt 1").first.wait_for(timeout=40000)
    page.screenshot(path=str(screenshots / "moodle-tool-review.png"), full_page=True)
    assert "tab_switch" in review.locator("table.review").inner_text()


def test_second_attempt_gets_its_own_session(harness, tool, proctored, student, first_attempt, timings):
    started = time.monotonic()
    before = sessions(tool, student["id"])
    second = take_quiz(
        first_attempt["page"], first_attempt["chromium"], harness, proctored["quiz"], consent=True, switch_on_page=None
    )
    timings.append(("second attempt", time.monotonic() - started))
    rows = sessions(tool, student["id"])
    bound = {row["attempt_id"]: row for row in rows if row["attempt_id"] is not None}
    assert set(bound) == {first_attempt["attempt_id"], second["attempt_id"]}, rows
    assert bound[second["attempt_id"]]["session"] not in {row["session"] for row in before}
    assert bound[second["attempt_id"]]["number"] == 2
    assert bound[second["attempt_id"]]["active"] is False, "submitting ended the second session"
    violations = bound[second["attempt_id"]]["violations"]
    assert [code for code, notice in violations if not notice and code != "silence"] == [], violations


def test_submit_is_retried_by_a_task_while_the_tool_is_down(harness, tool, proctored, student, first_attempt, timings):
    """The tool is down when the student submits: the attempt is submitted all the same, Moodle queues an ad-hoc
    task, and once the tool is back the task ends and scores the attempt's session."""
    started = time.monotonic()
    try:
        taken = take_quiz(
            first_attempt["page"], first_attempt["chromium"], harness, proctored["quiz"], consent=True,
            switch_on_page=None, before_submit=tool.stop_service,
        )
        queued = harness.sql(
            "SELECT id, customdata FROM mdl_task_adhoc WHERE classname LIKE '%quizaccess_proctor%submit_attempt'"
        )
        mine = [row for row in queued if f'"attempt":{{"id":{taken["attempt_id"]},' in row[1]]
        assert len(mine) == 1, queued
    finally:
        if tool.service.poll() is not None:
            tool.start_service()
    bound = [row for row in sessions(tool, student["id"]) if row["attempt_id"] == taken["attempt_id"]]
    assert len(bound) == 1 and bound[0]["active"] is True, f"not ended while the tool was down: {bound}"
    assert attempts_of(harness, proctored["quiz"]["quizid"], student["id"])[-1][2] == "finished"

    harness.php(str(harness.moodle_dir / "admin" / "cli" / "adhoc_task.php"), f"--id={mine[0][0]}", "--force")
    bound = [row for row in sessions(tool, student["id"]) if row["attempt_id"] == taken["attempt_id"]]
    assert bound[0]["active"] is False and bound[0]["score"] is not None, bound
    assert harness.sql(f"SELECT id FROM mdl_task_adhoc WHERE id = {mine[0][0]}") == [], "the task is done"
    timings.append(("attempt submitted while the tool was down, then the task", time.monotonic() - started))


def test_abandoned_attempt_ends_its_session(harness, tool, proctored, student, first_attempt, timings):
    """An attempt Moodle abandons (never submitted, e.g. by cron after its time ran out) ends its session too."""
    started = time.monotonic()
    page = first_attempt["page"]
    panel = open_preflight(page, harness, proctored["quiz"]["cmid"])
    consent_and_check(panel, page)
    monitoring(panel, page)
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_url("**/mod/quiz/attempt.php**", timeout=60000)
    attempt_id = int(re.search(r"attempt=(\d+)", page.url).group(1))
    monitoring(page.frame_locator(DOCK), page)
    bound = [row for row in sessions(tool, student["id"]) if row["attempt_id"] == attempt_id]
    assert len(bound) == 1 and bound[0]["active"] is True, bound

    state = harness.php(str(ABANDON), str(harness.moodle_dir), str(attempt_id)).stdout.strip()
    assert state == "abandoned"
    bound = [row for row in sessions(tool, student["id"]) if row["attempt_id"] == attempt_id]
    assert bound[0]["active"] is False and bound[0]["score"] is not None, bound
    timings.append(("attempt abandoned", time.monotonic() - started))


def test_a_restored_course_keeps_its_quiz_proctored(harness, proctored, tmp_path, timings):
    """Backup and restore of the course link the restored quiz to the restored Proctor activity; a quiz duplicated
    in its course stays linked to the same activity; a quiz copied alone into a course without its activity stays
    proctored and refuses attempts until the teacher links it there (fail closed)."""
    started = time.monotonic()
    quiz, activity = proctored["quiz"], proctored["activity"]
    [[course_id, quiz_name]] = harness.sql(f"SELECT course, name FROM mdl_quiz WHERE id = {quiz['quizid']}")
    cli = harness.moodle_dir / "admin" / "cli"
    harness.php(str(cli / "backup.php"), f"--courseid={course_id}", f"--destination={tmp_path}")
    [backup] = tmp_path.glob("*.mbz")
    harness.php(str(cli / "restore_backup.php"), f"--file={backup}", "--categoryid=1")

    quizzes = harness.sql(f"SELECT id, course FROM mdl_quiz WHERE name = '{quiz_name}' ORDER BY id")
    assert len(quizzes) == 2 and quizzes[0] == [str(quiz["quizid"]), course_id], quizzes
    restored_quiz, restored_course = quizzes[1]
    linked = harness.sql(
        "SELECT l.id, l.course FROM mdl_quizaccess_proctor p JOIN mdl_lti l ON l.id = p.ltiid "
        f"WHERE p.quizid = {restored_quiz}"
    )
    assert len(linked) == 1 and linked[0][1] == restored_course, "linked to the restored course's own activity"
    assert linked[0][0] != str(activity["ltiid"])
    original = harness.sql(f"SELECT ltiid FROM mdl_quizaccess_proctor WHERE quizid = {quiz['quizid']}")
    assert original == [[str(activity["ltiid"])]], "the original quiz's link is untouched"

    copy = harness.php(str(DUPLICATE), str(harness.moodle_dir), str(quiz["cmid"])).stdout.strip().splitlines()[-1]
    assert copy != str(quiz["quizid"])
    linked = harness.sql(f"SELECT ltiid FROM mdl_quizaccess_proctor WHERE quizid = {int(copy)}")
    assert linked == [[str(activity["ltiid"])]], "the copy in the same course is proctored by the same activity"

    copied = harness.php(str(COPY), str(harness.moodle_dir), str(quiz["cmid"]), restored_course).stdout
    copy_id, refusal = copied.strip().splitlines()[-2:]
    assert harness.sql(f"SELECT course FROM mdl_quiz WHERE id = {int(copy_id)}") == [[restored_course]]
    assert harness.sql(f"SELECT ltiid FROM mdl_quizaccess_proctor WHERE quizid = {int(copy_id)}") == [["0"]]
    assert "Proctor activity no longer exists or is not in this course" in refusal, refusal
    timings.append(("course backup and restore, quiz duplicated and copied", time.monotonic() - started))
