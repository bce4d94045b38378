"""Deep linking: an instructor picks the rules; the platform receives a signed content item that carries them."""

from __future__ import annotations

import re

import jwt
import pytest
from lti_test_platform import INSTRUCTOR, LEARNER

from lms_adapter import exam_params, tool
from lms_adapter.deep_linking import ExamRulesForm
from lms_adapter.models import ResourceLink
from proctor_core.service import api
from proctor_core.service.apps import service_config
from proctor_core.service.models import ProctoringSession

pytestmark = pytest.mark.django_db

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def rules(launch_id: str, **changes) -> dict:
    """The form as an instructor submits it: written-exam preset, every detector on, policy flat."""
    form = {
        "launch_id": launch_id,
        "title": "Midterm (proctored)",
        "preset": "exam",
        "policy": "flat",
        "evidence_retention_days": "30",
    }
    for code in service_config().plugins.detectors:
        form[f"{code}__enabled"] = "on"
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def answer_jwt(platform, response) -> dict:
    """The content-item JWT the tool auto-posts to the platform, verified with the tool's published key."""
    assert response.status_code == 200, response.content
    page = response.content.decode()
    assert f'action="{platform.deep_link_return_url}"' in page
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k).key for k in platform.tool_jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, key, algorithms=["RS256"], audience=platform.issuer, issuer=platform.client_id)


def test_round_trip(platform, registration, client):
    """Form → signed LtiResourceLink with line item and rules → the learner's launch runs under those rules."""
    form_page = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True)
    assert form_page.status_code == 200
    assert form_page.context["form"]["title"].value() == "Midterm"
    assert form_page.context["form"]["policy"].value() == "episode", "the exam preset's policy is offered first"
    shown = {detector["code"]: detector for detector in form_page.context["form"].detectors}
    assert shown.keys() == set(service_config().plugins.detectors)
    assert shown["tab_switch"]["description"] and len(shown["tab_switch"]["rules"]) == 3
    assert shown["camera_unavailable"]["rules"] == [], "notices are switched on or off, never given points"
    launch_id = form_page.context["launch_id"]

    response = client.post(
        "/lti/deep-link/",
        rules(
            launch_id,
            tab_switch__points="12",
            face_missing__threshold_s="8",
            multiple_faces__enabled=None,
            monitoring_gap__enabled=None,
            keep_evidence="on",
            evidence_retention_days="14",
            data_retention_days="90",
            on_device="on",
        ),
    )
    message = answer_jwt(platform, response)

    assert message["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert message["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == platform.deployment_id
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "platform-opaque-data"
    [item] = message[CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://testserver/lti/launch/"
    assert item["title"] == "Midterm (proctored)"
    assert item["lineItem"] == {"scoreMaximum": 100, "label": "Midterm (proctored)"}
    assert set(item["custom"]) == {exam_params.CUSTOM_PARAM}
    assert re.fullmatch(r"[A-Za-z0-9_-]+", item["custom"][exam_params.CUSTOM_PARAM])

    config = exam_params.decode(item["custom"][exam_params.CUSTOM_PARAM])
    assert config.preset == "exam"
    assert config.detectors["tab_switch"].points == 12
    assert config.detectors["face_missing"].threshold_s == 8
    assert config.detectors["multiple_faces"].enabled is False
    assert config.detectors["monitoring_gap"].enabled is False
    silence = config.detectors["silence"]
    assert (silence.notice, silence.points) == (True, None)  # the preset's notice, kept because the field was blank
    assert (config.keep_evidence, config.evidence_retention_days, config.data_retention_days) == (True, 14, 90)
    assert config.analysis == "device"

    learner = platform.launch(client, sub="7", roles=LEARNER, custom=item["custom"])
    assert learner.status_code == 200
    session = ProctoringSession.objects.get(pk=learner.context["session_id"])
    assert session.exam_config() == api.validated_config(config)
    assert ResourceLink.objects.get().exam.exam_config() == session.exam_config()


def test_invalid_rules_show_the_form_again(platform, registration, client):
    launch_id = platform.launch(client, sub="2", roles=INSTRUCTOR, deep_linking=True).context["launch_id"]

    response = client.post("/lti/deep-link/", rules(launch_id, tab_switch__points="500", policy="nope"))

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"tab_switch__points", "policy"}
    assert response.context["launch_id"] == launch_id


def test_learner_cannot_deep_link(platform, registration, client):
    response = platform.launch(client, sub="7", roles=LEARNER, deep_linking=True)

    assert response.status_code == 403


def test_unknown_launch_id_is_refused(platform, registration, client):
    response = client.post("/lti/deep-link/", rules("lti1p3-launch-00000000-0000-0000-0000-000000000000"))

    assert response.status_code == 403
    assert "Launch data not found" in response.content.decode()


def test_a_resource_launch_id_cannot_answer_deep_linking(platform, registration, client, monkeypatch):
    """Only the id of an instructor's deep-linking launch opens the form's answer."""
    stored = []
    save = tool.ProctorMessageLaunch.save_launch_data

    def remember(launch):
        stored.append(launch.get_launch_id())
        return save(launch)

    monkeypatch.setattr(tool.ProctorMessageLaunch, "save_launch_data", remember)
    assert platform.launch(client, sub="2", roles=INSTRUCTOR).status_code == 200

    response = client.post("/lti/deep-link/", rules(stored[0]))

    assert response.status_code == 403
    assert response.context["reason"].startswith("Only an instructor's deep-linking launch")


@pytest.mark.parametrize(("points", "notice"), [("5", False), ("", True), ("0", True)])
def test_points_for_a_presets_notice_make_it_a_violation(db, points, notice):
    data = {"title": "Oral", "preset": "exam", "policy": "flat", "evidence_retention_days": "30",
            **{f"{code}__enabled": "on" for code in service_config().plugins.detectors}, "silence__points": points}
    form = ExamRulesForm(data=data)
    assert form.is_valid(), form.errors
    assert form.exam_config.detectors["silence"].notice is notice
