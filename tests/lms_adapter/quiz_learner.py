"""A learner of the quiz tests: launches of the activity and the widget's REST calls, and the quiz call helpers."""

from __future__ import annotations

import base64

from lti_test_platform import LEARNER

from proctor_core.service.models import ProctoringSession


class Learner:
    """A learner's page: a launch of the activity, then the widget's REST calls with that launch's token."""

    def __init__(self, platform, client, clock, *, sub: str = "7", lineitem: str | None = None) -> None:
        self.platform, self.client, self.clock, self.sub = platform, client, clock, sub
        self.lineitem = lineitem
        self.launch()

    def launch(self):
        response = self.platform.launch(self.client, sub=self.sub, roles=LEARNER, lineitem=self.lineitem)
        assert response.status_code == 200, response.content
        self.page = response.context
        self.session_id, self.token = response.context["session_id"], response.context["token"]
        return response

    def api(self, path: str, body: dict | None = None, *, method: str = "post"):
        call = getattr(self.client, method)
        kwargs = {"content_type": "application/json"} if method == "post" else {}
        return call(
            f"/api/v1/sessions/{self.session_id}{path}",
            *([body or {}] if method == "post" else []),
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
            **kwargs,
        )

    def start_monitoring(self, face_jpeg: bytes, *, frame: bool = True):
        assert self.api("/start").status_code == 200
        if frame:
            self.frame(face_jpeg)

    def frame(self, face_jpeg: bytes):
        body = {"image": base64.b64encode(face_jpeg).decode(), "seq": int(self.clock.now * 1000)}
        assert self.api("/frames", body).status_code == 200

    @property
    def session(self) -> ProctoringSession:
        return ProctoringSession.objects.get(pk=self.session_id)


def call(platform, client, clock, action: str, **claims):
    return platform.quiz_call(client, action, now=clock.now, **claims)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]
