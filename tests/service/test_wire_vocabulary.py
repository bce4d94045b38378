"""The widget's copies of the wire vocabulary and the result page's receipt match the Python side.

Event types, notices, face statuses and violation codes are defined once in Python (``proctor_core.types`` and the
built-in detectors' records); the widget repeats them in ``widget/src/lib/events.js`` and ``status.js``. These
tests fail when either side changes alone. The receipt's words come from the service (``proctor_core.wording``)
and the result page draws them with the widget's renderer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from proctor_core.plugins import make_plugin_manager
from proctor_core.service import api
from proctor_core.service.models import ProctoringSession
from proctor_core.types import FaceStatus, ObservationKind, PageEventType

WIDGET = Path(__file__).resolve().parents[2] / "widget" / "src" / "lib"


def js_array(source: str, name: str) -> list[str]:
    """The strings of ``export const NAME = Object.freeze([...])``."""
    match = re.search(rf"export const {name} = Object\.freeze\(\[(.*?)\]\)", source, re.S)
    assert match, f"{name} is no longer a frozen array literal; update this test's reader"
    return re.findall(r'"([a-z_]+)"', match.group(1))


def js_object_keys(source: str, name: str) -> list[str]:
    """The keys of ``const NAME = { key: ..., }`` (one entry per line)."""
    match = re.search(rf"const {name} = \{{\n(.*?)\n\}};", source, re.S)
    assert match, f"{name} is no longer an object literal; update this test's reader"
    return re.findall(r"^  ([a-z_]+):", match.group(1), re.M)


@pytest.fixture(scope="module")
def builtin_detectors():
    return make_plugin_manager(load_entrypoints=False).detectors


@pytest.fixture(scope="module")
def events_js() -> str:
    return (WIDGET / "events.js").read_text()


@pytest.fixture(scope="module")
def status_js() -> str:
    return (WIDGET / "status.js").read_text()


def test_the_readers_see_the_widgets_lists(events_js, status_js):
    """The JS readers below parse something, so an empty list can never make a comparison pass."""
    assert js_array(events_js, "PAGE_EVENTS") and js_array(events_js, "NOTICES")
    assert js_object_keys(status_js, "FACE_STATUS") and js_object_keys(status_js, "VIOLATIONS")
    with pytest.raises(AssertionError, match="MISSING"):
        js_array(events_js, "MISSING")


def test_widget_event_types_are_the_services(events_js, builtin_detectors):
    page_events, notices = js_array(events_js, "PAGE_EVENTS"), js_array(events_js, "NOTICES")
    assert sorted(page_events + notices) == sorted(PageEventType)
    device_notices = {
        name for name, spec in builtin_detectors.items() if spec.notice and spec.consumes is ObservationKind.PAGE
    }
    assert set(notices) == device_notices, "a notice the widget posts is a page event with its own notice detector"


def test_widget_event_types_are_the_openapi_documents(db, events_js):
    schema = APIClient().get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    enums = [
        prop["enum"]
        for component in schema["components"]["schemas"].values()
        for prop in [component.get("properties", {}).get("type", {}), component]
        if "tab_hidden" in prop.get("enum", [])
    ]
    assert enums, "the OpenAPI document no longer lists the page event types"
    for enum in enums:
        assert sorted(enum) == sorted(js_array(events_js, "PAGE_EVENTS") + js_array(events_js, "NOTICES"))


def test_widget_face_statuses_are_the_services(status_js):
    assert sorted(js_object_keys(status_js, "FACE_STATUS")) == sorted(FaceStatus)


def test_widget_explains_every_builtin_violation_code(status_js, builtin_detectors):
    """Plugin codes fall back to a generic sentence; every built-in one has its own words."""
    assert sorted(js_object_keys(status_js, "VIOLATIONS")) == sorted(builtin_detectors)


def test_result_page_draws_the_apis_report_with_the_widgets_renderer(opened, clock):
    """One design: the page carries the API's end answer and draws it with ui/receipt.js, as the widget does
    (tests/widget/test_widget_receipt.py compares the two drawn in Chromium)."""
    for seq, kind in enumerate(["tab_hidden", "tab_visible"], start=1):
        clock.now += 1
        opened.post("/events", {"type": kind, "seq": seq})
    report = opened.post("/end").json()
    html = Client().get(api.result_url(ProctoringSession.objects.get(pk=opened.id))).content.decode()
    shown = json.loads(re.search(r'id="proctor-result-data"[^>]*>(.*?)</script>', html).group(1))
    assert shown == {"report": report, "dismissed": 0}
    [line] = report["receipt"]
    assert (line["code"], line["description"], line["rule"], line["points"], line["notice"]) == (
        "tab_switch", "Switched away from the exam tab", "Costs 8 points each time", 8, False
    )
    assert "widget/result-page.js" in html
    page_js = (WIDGET.parent / "result-page.js").read_text()
    assert 'import { messagePanel, receiptPanel } from "./ui/receipt.js";' in page_js
    assert "receiptPanel(" in (WIDGET.parent / "index.js").read_text()
