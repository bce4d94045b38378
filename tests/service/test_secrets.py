"""The service refuses to run in production with the public development key (subprocesses, real settings)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

KEY = "k" * 20 + "Q7vX2pL9sR4tY8wZ1mN6bC3dF5gH0jK"


def proctor(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "proctor_core.service.cli", *args],
        env={**base, "PROCTOR_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"PROCTOR_HTTPS": "1"},
        {"PROCTOR_ALLOWED_HOSTS": "proctor.example.org"},
        {"PROCTOR_SECRET_KEY": "  ", "PROCTOR_ALLOWED_HOSTS": "localhost 10.0.0.5"},
    ],
    ids=["https", "public-host", "blank-key"],
)
def test_production_without_a_secret_key_refuses_to_start(tmp_path, env):
    result = proctor("check", tmp_path=tmp_path, **env)
    assert result.returncode == 2
    assert result.stderr.startswith("proctor: configuration error: PROCTOR_SECRET_KEY is not set")


def test_production_with_a_secret_key_starts(tmp_path):
    result = proctor("check", tmp_path=tmp_path, PROCTOR_HTTPS="1", PROCTOR_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_an_error_with_the_development_key(tmp_path):
    result = proctor("check", "--deploy", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ERRORS:" in result.stderr
    assert "(proctor.E010) PROCTOR_SECRET_KEY is not set" in result.stderr


def test_check_deploy_has_no_key_error_with_a_key(tmp_path):
    result = proctor("check", "--deploy", tmp_path=tmp_path, PROCTOR_SECRET_KEY=KEY)
    assert "proctor.E010" not in result.stdout + result.stderr


def test_development_on_loopback_needs_no_key(tmp_path):
    result = proctor("check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_wsgi_worker_refuses_to_load_without_a_key(tmp_path):
    """What gunicorn imports (``proctor serve``): the worker stops at start-up, before serving anything."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_") and k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", "import proctor_core.service.wsgi"],
        env={**base, "PROCTOR_DATA_DIR": str(tmp_path), "PROCTOR_ALLOWED_HOSTS": "proctor.example.org"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "PROCTOR_SECRET_KEY is not set" in result.stderr
