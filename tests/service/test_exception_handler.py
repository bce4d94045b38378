"""The API's exception handler: DRF answers first (status, headers, rollback), then the body takes our shape."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework import exceptions as drf

from proctor_core.errors import ConfigError, PluginError, ProctorError
from proctor_core.service import exceptions
from proctor_core.service.exceptions import exception_handler
from proctor_core.service.models import ProctoringSession


class _Body(BaseModel):
    n: int


def _pydantic_error() -> PydanticValidationError:
    try:
        _Body.model_validate({"n": "x"})
    except PydanticValidationError as exc:
        return exc
    raise AssertionError("the model accepted a bad value")


def test_throttled_keeps_drfs_retry_after_and_reports_it():
    response = exception_handler(drf.Throttled(wait=12.2), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "13"
    assert response.data["error"]["code"] == "throttled"
    assert response.data["error"]["details"] == {"retry_after_s": 13}


def test_not_authenticated_keeps_www_authenticate():
    exc = drf.NotAuthenticated()
    exc.auth_header = 'Bearer realm="proctor"'
    response = exception_handler(exc, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="proctor"'
    assert response.data == {"error": {"code": "not_authenticated", "message": str(exc.detail), "details": None}}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404("No ProctoringSession matches the given query."), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (drf.ParseError(), 400, "malformed_json"),
        (drf.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (drf.MethodNotAllowed("GET"), 405, "method_not_allowed"),
    ],
)
def test_drf_and_django_errors_are_reshaped(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert "ProctoringSession" not in response.data["error"]["message"]  # a model name is not the client's business


def test_our_errors_and_pydantics_keep_their_code_and_status():
    assert exception_handler(ConfigError("bad", details=["x"]), {}).data == {
        "error": {"code": "invalid_config", "message": "bad", "details": ["x"]}
    }
    response = exception_handler(_pydantic_error(), {})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid_request"
    assert response.data["error"]["details"][0]["field"] == "n"


def test_a_bug_is_left_to_django():
    assert exception_handler(RuntimeError("bug"), {}) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "exc", [ConfigError("bad"), drf.NotAuthenticated(), Http404(), PluginError("no finder")], ids=repr
)
def test_an_answered_error_rolls_the_atomic_request_back(exc, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    with transaction.atomic():
        assert exception_handler(exc, {}) is not None
        assert transaction.get_rollback()
        transaction.set_rollback(False)


@pytest.mark.django_db
def test_a_bug_does_not_mark_the_rollback_itself(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    with transaction.atomic():
        exception_handler(RuntimeError("bug"), {})
        assert not transaction.get_rollback()


def test_plugin_error_is_a_logged_503_not_a_crash(caplog):
    with caplog.at_level(logging.ERROR, logger=exceptions.__name__):
        response = exception_handler(PluginError("no face finder is installed"), {})
    assert response.status_code == 503
    assert response.data["error"] == {"code": "plugin_error", "message": "no face finder is installed", "details": None}
    assert "no face finder is installed" in caplog.text


def test_a_frame_without_a_face_finder_answers_503_json(opened, face_jpeg, monkeypatch):
    def missing(_image):
        raise PluginError("no face finder is installed")

    before = ProctoringSession.objects.get(pk=opened.id).engine_state
    monkeypatch.setattr("proctor_core.service.rest_api.v1.observations.analyse_frame", missing)
    response = opened.frame(face_jpeg, seq=1)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "plugin_error"
    assert ProctoringSession.objects.get(pk=opened.id).engine_state == before


def test_an_instance_status_overrides_the_class_default():
    assert ProctorError("x").status_code == 400
    assert ProctorError("x", status_code=502).status_code == 502
    assert PluginError("x").status_code == 503
