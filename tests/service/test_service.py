"""The service around the API: deployment checks, schema and docs, plugins listing, framing, static widget, CLI."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework.test import APIClient

from proctor_core.service import api
from proctor_core.service.apps import service_config
from proctor_core.service.cli import main
from proctor_core.service.conf import proctor_settings
from proctor_core.service.models import Exam

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_DETECTORS = {"multiple_faces", "tab_switch", "face_missing", "silence", "face_orientation"}


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "proctor_core.service.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, "PROCTOR_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_check(
        tmp_path,
        PROCTOR_SECRET_KEY=secrets.token_urlsafe(50),
        PROCTOR_ALLOWED_HOSTS="proctor.example.org",
        PROCTOR_HTTPS="1",
        PROCTOR_FRAME_ANCESTORS="https://moodle.example.org https://canvas.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_development_defaults(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode != 0
    for check in ("security.W009", "security.W008", "security.W004", "security.W012", "security.W016"):
        assert check in result.stderr, check


def test_schema_is_openapi_3_with_every_endpoint():
    response = APIClient().get("/api/v1/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/frames",
        "/api/v1/sessions/{session_id}/audio",
        "/api/v1/sessions/{session_id}/events",
        "/api/v1/sessions/{session_id}/end",
        "/api/v1/sessions/{session_id}/violations",
        "/api/v1/plugins",
    }
    frames = schema["paths"]["/api/v1/sessions/{session_id}/frames"]["post"]
    assert set(frames["requestBody"]["content"]) == {"application/json", "image/jpeg"}
    assert {"400", "401", "403", "404", "409", "413", "415"} <= set(frames["responses"])
    assert schema["components"]["securitySchemes"]["sessionToken"]["scheme"] == "bearer"


def test_docs_page_is_browsable():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_plugins_lists_the_builtins():
    response = APIClient().get("/api/v1/plugins")
    assert response.status_code == 200
    listing = response.json()
    assert BUILTIN_DETECTORS <= {d["name"] for d in listing["detectors"]}
    assert "flat" in {p["name"] for p in listing["policies"]}
    builtins = {p["name"]: p for p in listing["plugins"] if p["source"] == "builtin"}
    assert builtins["proctor_builtin_detectors"]["version"] and builtins["proctor_builtin_detectors"]["error"] is None


def test_invalid_proctor_setting_names_the_known_keys():
    with override_settings(PROCTOR={"AUTOLOAD_PLUGIN": False}), pytest.raises(ImproperlyConfigured) as err:
        proctor_settings()
    assert "AUTOLOAD_PLUGINS" in str(err.value)
    assert proctor_settings().AUTOLOAD_PLUGINS is True  # the override is gone, and so is its error


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"PROCTOR_LTI": {"HTTP_TIMEOUT_S": "soon"}}, "HTTP_TIMEOUT_S"),
        ({"PROCTOR_LTI": {"HTTP_TIMEOUT_S": -1}}, "HTTP_TIMEOUT_S"),
        ({"PROCTOR_LTI": {"GRADE_RETRY_BASE_S": 60, "GRADE_RETRY_MAX_S": 30}}, "GRADE_RETRY_MAX_S"),
        ({"PROCTOR_OPS": {"METRICS": "maybe"}}, "METRICS"),
        ({"PROCTOR": {"MAX_BODY_BYTES": 0}}, "MAX_BODY_BYTES"),
        ({"PROCTOR": {"FRAME_ANCESTORS": "https://lms.example"}}, "FRAME_ANCESTORS"),
    ],
)
def test_every_proctor_setting_is_type_checked(overrides, named):
    """PROCTOR_LTI and PROCTOR_OPS are validated like PROCTOR, not read as loose dicts."""
    with override_settings(**overrides), pytest.raises(ImproperlyConfigured, match=named):
        proctor_settings()


def test_settings_changes_are_seen_without_a_restart():
    """override_settings (and pytest-django's settings fixture) reload the one settings object."""
    assert proctor_settings().LTI.HTTP_TIMEOUT_S == 20
    with override_settings(PROCTOR_LTI={"HTTP_TIMEOUT_S": 5}, PROCTOR_OPS={"METRICS": False}):
        assert (proctor_settings().LTI.HTTP_TIMEOUT_S, proctor_settings().OPS.METRICS) == (5, False)
    assert (proctor_settings().LTI.HTTP_TIMEOUT_S, proctor_settings().OPS.METRICS) == (20, True)


def test_the_plugin_manager_follows_the_proctor_setting(settings):
    before = service_config().plugins
    assert "silence" in before.detectors
    settings.PROCTOR = {**settings.PROCTOR, "BLOCKED_PLUGINS": ["proctor_builtin_detectors"]}
    assert "silence" not in service_config().plugins.detectors


def test_the_service_runs_inside_a_project_that_sets_none_of_its_settings():
    """Every key has a default: another Django project may install the app without PROCTOR* settings."""
    with override_settings(PROCTOR={}, PROCTOR_LTI={}, PROCTOR_OPS={}):
        conf = proctor_settings()
        assert conf.MAX_BODY_BYTES > 2 * 1024 * 1024 and conf.FRAME_ANCESTORS == []
        assert conf.LTI.CACHE == "default" and conf.OPS.TASK_WORKERS == 1
        assert "silence" in service_config().plugins.detectors


def test_pages_may_be_framed_only_by_the_configured_lms(db):
    assert Client().get("/")["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    with override_settings(PROCTOR={**settings.PROCTOR, "FRAME_ANCESTORS": ["https://moodle.example.org"]}):
        page = Client().get("/")
        admin = Client().get("/admin/login/")
    assert page["Content-Security-Policy"].endswith("; frame-ancestors https://moodle.example.org")
    assert "X-Frame-Options" not in page
    assert admin["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    assert admin["X-Frame-Options"] == "DENY"


def test_widget_is_served_as_static_files(require):
    require((ROOT / "widget" / "src" / "index.js").is_file(), "widget/src/index.js")
    response = Client().get("/static/widget/index.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


def test_api_errors_are_json_even_for_unexpected_failures(opened, monkeypatch):
    from proctor_core.service.rest_api.v1 import observations

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(observations, "record", broken)
    client = opened.client
    client.raise_request_exception = False
    response = client.post(opened.url("/events"), {"type": "tab_hidden"}, format="json")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


@pytest.mark.parametrize(
    ("args", "commands"),
    [
        (["demo"], [["proctor", "demo"]]),
        (["purge_evidence", "--dry-run"], [["proctor", "purge_evidence", "--dry-run"]]),
        (["migrate"], [["proctor", "migrate"], ["proctor", "createcachetable"]]),
    ],
)
def test_cli_passes_commands_to_django(monkeypatch, args, commands):
    import django.core.management

    calls = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", calls.append)
    main(args)
    assert calls == commands


def test_demo_creates_the_demo_exams_once(db, capsys):
    call_command("demo")
    call_command("demo")
    assert {(e.slug, e.standalone, e.exam_config().preset, e.exam_config().analysis) for e in Exam.objects.all()} == {
        ("interview", True, "interview", "server"),
        ("exam", True, "exam", "server"),
        ("ondevice", True, "interview", "device"),
    }
    assert "exam 'interview'" in capsys.readouterr().out


def test_demo_renames_a_former_demo_title_and_keeps_an_operators_own(db):
    api.get_or_create_exam("exam", title="Written exam (demo): silence is a notice", standalone=True)
    api.get_or_create_exam("interview", title="Our interview", standalone=True)
    call_command("demo")
    assert dict(Exam.objects.values_list("slug", "title")) == {
        "exam": "Written exam (demo)",
        "interview": "Our interview",
        "ondevice": "Interview with on-device analysis (demo)",
    }


def test_cli_serve_runs_gunicorn_with_the_environment(monkeypatch):
    import gunicorn.app.wsgiapp

    seen = {}
    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", lambda: seen.update(argv=list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["proctor"])
    monkeypatch.setenv("PROCTOR_WORKERS", "3")
    main(["serve", "--web-only", "--threads", "2"])
    argv = seen["argv"]
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert argv[-3:] == ["--threads", "2", "proctor_core.service.wsgi:application"]
    assert argv.count("--threads") == 1  # the option given replaces the default

    main(["serve", "--web-only"])
    argv = seen["argv"]
    assert argv[argv.index("--threads") + 1] == "4"  # threaded workers by default (PROCTOR_THREADS)

    main(["serve", "--web-only", "--bind=0.0.0.0:9000", "-w", "5"])
    argv = seen["argv"]
    assert argv.count("--bind") == 0 and "--bind=0.0.0.0:9000" in argv
    assert "--workers" not in argv and argv[argv.index("-w") + 1] == "5"


def test_migrations_match_the_models(db):
    call_command("makemigrations", "proctor", "--check", "--dry-run", verbosity=0)
