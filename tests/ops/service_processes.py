"""The service as separate processes, driven over HTTP as a browser and an LMS would: helpers of the ops tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

PROCTOR = [sys.executable, "-m", "proctor_core.service.cli"]
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(**values: str) -> dict[str, str]:
    """The test's environment without its Django and database settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return {**env, "PROCTOR_LOG_LEVEL": "WARNING", **values}


def proctor(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    """Run one ``proctor`` command to its end; return its output."""
    done = subprocess.run([*PROCTOR, *args], env=dict(env), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"proctor {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def register_platform(env: Mapping[str, str], platform) -> None:
    """Register the test platform with the tool, as an administrator does in the admin."""
    fields = {
        "title": "Test platform",
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "auth_login_url": platform.auth_url,
        "auth_token_url": platform.token_url,
        "key_set_url": platform.jwks_url,
        "deployment_ids": json.dumps([platform.deployment_id]),
    }
    proctor(
        env, "shell", "-c",
        "from lms_adapter import keys\nfrom lms_adapter.models import LtiTool\n"
        f"LtiTool.objects.create(tool_key=keys.current_key(), **{fields!r})",
    )


def start(env: Mapping[str, str], *args: str, log: Path) -> subprocess.Popen:
    """Start a long-running ``proctor`` command, its output into ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen([*PROCTOR, *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll ``condition`` until it gives a true value; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def wait_ready(base: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    def ready() -> bool:
        assert process.poll() is None, f"the service exited ({process.returncode}):\n{log.read_text()[-3000:]}"
        return requests.get(f"{base}/health/ready", timeout=5).status_code == 200

    wait_for(ready, timeout, f"{base}/health/ready")


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(child) for child in text.split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
    if process.poll() is None:
        process.send_signal(signum)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


class _Widget(HTMLParser):
    """Reads the widget's data attributes (session id and token) from the launch page."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == "proctor-widget":
            self.data = {name: value or "" for name, value in attrs}


def launch(http: requests.Session, base: str, platform, *, sub: str, lineitem: str, resource_link_id: str = "11"):
    """A learner's LTI launch over HTTP (login initiation, the platform's form post); returns (session id, token)."""
    response = http.post(
        f"{base}/lti/login/",
        data={
            "iss": platform.issuer,
            "login_hint": sub,
            "target_link_uri": f"{base}/lti/launch/",
            "lti_message_hint": "42",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    params = {name: values[0] for name, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    claims = platform.claims(nonce=params["nonce"], sub=sub, lineitem=lineitem, resource_link_id=resource_link_id)
    claims[LTI + "target_link_uri"] = params["redirect_uri"]
    page = http.post(
        params["redirect_uri"], data={"id_token": platform.sign(claims), "state": params["state"]}, timeout=30
    )
    assert page.status_code == 200, page.text[:500]
    widget = _Widget()
    widget.feed(page.text)
    assert widget.data.get("data-token"), page.text[:500]
    return widget.data["data-session-id"], widget.data["data-token"]
