"""What a teacher and a student do on Moodle's pages, in Chromium, and what the tool recorded."""

from __future__ import annotations

import time
from typing import Any

from moodle_harness import Harness, Tool
from widget_harness import wait_for

PANEL = "iframe[data-proctor-frame=preflight]"
DOCK = "[data-proctor-panel=dock] iframe"


def link_quiz(page: Any, harness: Harness, quiz_cmid: int, activity_name: str) -> None:
    """As the teacher: the quiz's settings, section "Proctoring", choose the Proctor activity, save."""
    page.goto(f"{harness.url}/course/modedit.php?update={quiz_cmid}")
    page.locator("#id_proctorheader").get_by_role("button", name="Proctoring").click()
    page.locator("#id_proctor_ltiid").wait_for(state="visible")
    page.select_option("#id_proctor_ltiid", label=activity_name)


def open_preflight(page: Any, harness: Harness, quiz_cmid: int) -> Any:
    """The quiz's page, "Attempt quiz": the pre-flight dialogue with the Proctor panel."""
    page.goto(f"{harness.url}/mod/quiz/view.php?id={quiz_cmid}")
    page.locator(".quizstartbuttondiv [type=submit]").click()
    return page.frame_locator(PANEL)


def monitoring(panel: Any, page: Any, *, timeout_s: float = 40) -> float:
    """Wait until the panel monitors and has analysed a camera picture; the seconds it took."""
    started = time.monotonic()
    panel.locator("[data-pw=monitor]").wait_for(timeout=timeout_s * 1000)
    face = panel.locator("[data-pw=face]")
    wait_for(lambda: face.get_attribute("data-status") not in (None, ""), timeout_s, "a face status", page=page)
    return time.monotonic() - started


def consent_and_check(panel: Any, page: Any) -> None:
    """In the panel: consent, then the device check; returns once "Start monitoring" was clicked."""
    panel.get_by_role("button", name="I agree: check my camera and microphone").click(timeout=40000)
    start = panel.get_by_role("button", name="Start monitoring")
    start.wait_for(timeout=30000)
    wait_for(lambda: start.is_enabled(), 30, "the device check to pass", page=page)
    start.click()


def answer_page(page: Any) -> None:
    """Answer the page's question ("True") and let Moodle keep it."""
    page.locator(".que .answer input[type=radio]").first.check()


def press(page: Any, button: Any) -> None:
    """Scroll to the end of the page (the panel leaves room there, clear of itself), then click ``button``. The
    click fails when the panel covers the button: Playwright refuses to click through another element."""
    page.evaluate("document.getElementById('region-main').scrollIntoView({block: 'end'})")
    button.click(timeout=10000)


def submit_attempt(page: Any) -> None:
    """On the summary page: "Submit all and finish", confirmed in Moodle's dialogue."""
    press(page, page.locator("#region-main").get_by_role("button", name="Submit all and finish"))
    page.locator(".modal.show").get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url("**/mod/quiz/review.php**", timeout=60000)


def sessions(tool: Tool, moodle_userid: int) -> list[dict[str, Any]]:
    """The learner's sessions in the tool, oldest first, with their attempt, score, violations and grades."""
    return tool.django(
        "import json\n"
        "from lms_adapter.models import LearnerAttempt\n"
        "rows = []\n"
        f"for a in LearnerAttempt.objects.filter(user_id='{moodle_userid}').select_related('session').order_by('id'):\n"
        "    s = a.session\n"
        "    rows.append({'session': str(s.id), 'attempt_id': a.quiz_attempt_id, 'number': a.quiz_attempt_number,\n"
        "        'active': s.active, 'monitoring': s.monitoring_started_at is not None, 'score': s.score,\n"
        "        'risk': s.risk_level, 'penalties': [p.get('code') for p in s.penalties],\n"
        "        'violations': [[v.code, v.notice] for v in s.violations.order_by('occurred_at')],\n"
        "        'grades': [[g.status, g.score] for g in a.grades.order_by('id')]})\n"
        "print(json.dumps(rows))"
    )


def gradebook(harness: Harness, cmid: int, user: str, expect: float, timeout_s: float = 60) -> dict[str, Any]:
    """Moodle's gradebook value of the activity for ``user`` once it equals ``expect`` (the worker delivers it)."""
    deadline = time.monotonic() + timeout_s
    while True:
        grade = harness.json("grades.sh", f"--cmid={cmid}", f"--user={user}", f"--expect={expect}", check=False)
        if grade.get("ok") or time.monotonic() > deadline:
            return grade
        time.sleep(1)


def fold_and_unfold_panel(page: Any) -> None:
    """"Hide" folds the panel to its title bar (the iframe stays in the page), "Show" brings it back."""
    panel = page.locator("[data-proctor-panel=dock]")
    full = panel.bounding_box()["height"]
    panel.get_by_role("button", name="Hide").click()
    folded = panel.bounding_box()["height"]
    assert folded < 60 < full, (folded, full)
    assert panel.locator("iframe").count() == 1
    panel.get_by_role("button", name="Show").click()
    assert panel.bounding_box()["height"] == full
