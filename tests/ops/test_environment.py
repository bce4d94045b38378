"""Settings from the environment: typed, checked at start-up, a wrong value named in one clear line."""

from __future__ import annotations

import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured
from service_processes import PROCTOR, service_env

from lms_adapter.conf import DEFAULTS, from_environ
from proctor_core.service.environ import env_bool, env_float, env_int


def test_lti_settings_come_from_the_environment():
    values = from_environ({
        "PROCTOR_LTI_PENDING_MANUAL_FOR_RED": "yes",
        "PROCTOR_LTI_HTTP_TIMEOUT_S": "7.5",
        "PROCTOR_LTI_GRADE_RETRY_BASE_S": "10",
        "PROCTOR_LTI_TOOL_TITLE": "Campus proctor",
    })
    assert values == {
        **DEFAULTS,
        "PENDING_MANUAL_FOR_RED": True,
        "HTTP_TIMEOUT_S": 7.5,
        "GRADE_RETRY_BASE_S": 10,
        "TOOL_TITLE": "Campus proctor",
    }
    assert from_environ({}) == DEFAULTS
    assert from_environ({"PROCTOR_LTI_TOOL_TITLE": "  "})["TOOL_TITLE"] == "Proctor"  # empty means unset


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PROCTOR_LTI_PENDING_MANUAL_FOR_RED": "maybe"}, "PROCTOR_LTI_PENDING_MANUAL_FOR_RED must be one of 1/0"),
        ({"PROCTOR_LTI_HTTP_TIMEOUT_S": "soon"}, "PROCTOR_LTI_HTTP_TIMEOUT_S must be a number, got 'soon'"),
        ({"PROCTOR_LTI_HTTP_TIMEOUT_S": "0"}, "PROCTOR_LTI_HTTP_TIMEOUT_S must be greater than 0"),
        ({"PROCTOR_LTI_KEY_SET_CACHE_S": "nan"}, "PROCTOR_LTI_KEY_SET_CACHE_S must be a finite number"),
        ({"PROCTOR_LTI_GRADE_RETRY_MAX_S": "10"}, "PROCTOR_LTI_GRADE_RETRY_MAX_S (10) must be at least"),
    ],
)
def test_wrong_lti_values_are_refused_by_name(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_environ(environ)


def test_typed_readers():
    assert env_bool("X", False, {"X": "On"}) is True and env_bool("X", True, {"X": "0"}) is False
    assert env_int("X", 3, {"X": " 12 "}) == 12 and env_int("X", 3, {}) == 3
    assert env_float("X", 1.0, {"X": "2e1"}) == 20.0
    with pytest.raises(ImproperlyConfigured, match="X must be a whole number, got '1.5'"):
        env_int("X", 3, {"X": "1.5"})
    with pytest.raises(ImproperlyConfigured, match="X must be at least 0, got '-1'"):
        env_int("X", 3, {"X": "-1"}, minimum=0)
    with pytest.raises(ImproperlyConfigured, match="X must be a finite number"):
        env_float("X", 1.0, {"X": "inf"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PROCTOR_IDLE_MINUTES", "0", "PROCTOR_IDLE_MINUTES must be greater than 0, got '0'"),
        ("PROCTOR_METRICS", "perhaps", "PROCTOR_METRICS must be one of"),
        ("PROCTOR_LTI_GRADE_RETRY_BASE_S", "-3", "PROCTOR_LTI_GRADE_RETRY_BASE_S must be greater than 0"),
        ("PROCTOR_WORKERS", "many", "PROCTOR_WORKERS must be a whole number, got 'many'"),
    ],
)
def test_a_wrong_value_stops_the_service_with_one_line(tmp_path, name, value, message):
    env = service_env(PROCTOR_DATA_DIR=str(tmp_path), **{name: value})
    done = subprocess.run([*PROCTOR, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"proctor: configuration error: {done.stderr.split('error: ', 1)[1].strip()}"
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
