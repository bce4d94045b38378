"""Helpers of the Moodle suite: the harness scripts, the tool as its own process, and Moodle's pages in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLUGIN = Path(__file__).resolve().parents[2] / "lms_adapter" / "moodle" / "quizaccess_proctor"


@dataclass
class Harness:
    """The Moodle harness (../shared/moodle): its scripts, run with this suite's environment."""

    folder: Path
    env: dict[str, str]
    logs: Path
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.env.get("MOODLE_URL") or f"http://{self.env['MOODLE_HOST']}:{self.env['MOODLE_PORT']}"

    @property
    def moodle_dir(self) -> Path:
        return Path(self.env.get("MOODLE_DIR") or Path(self.env["HARNESS_DIR"]) / "moodle")

    def timed(self, what: str, started: float) -> None:
        self.timings.append((what, time.monotonic() - started))

    def sh(self, script: str, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        started = time.monotonic()
        done = subprocess.run(
            [str(self.folder / script), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        self.timed(script, started)
        with (self.logs / "harness.log").open("a") as log:
            log.write(f"$ {script} {' '.join(args)}\n-> {done.returncode}\n")
            log.write(f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}\n")
        if check and done.returncode != 0:
            raise AssertionError(f"{script} {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    def json(self, script: str, *args: str, check: bool = True) -> dict[str, Any]:
        """Run a PHP helper that prints one JSON object."""
        done = self.sh(script, *args, check=check)
        return json.loads(done.stdout[done.stdout.index("{") :]) if "{" in done.stdout else {}

    def php(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        started = time.monotonic()
        done = subprocess.run(
            ["php", "-d", "max_input_vars=5000", "-d", "memory_limit=512M", *args],
            env=self.env, capture_output=True, text=True, timeout=timeout,
        )
        self.timed(f"php {Path(args[0]).name}", started)
        if done.returncode != 0:
            raise AssertionError(f"php {' '.join(args)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done

    def install_plugin(self) -> None:
        """Copy the plugin into the tree (replacing an older copy) and let Moodle install or upgrade it."""
        target = self.moodle_dir / "mod" / "quiz" / "accessrule" / "proctor"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(PLUGIN, target)
        self.php(str(self.moodle_dir / "admin" / "cli" / "upgrade.php"), "--non-interactive")
        self.php(str(self.moodle_dir / "admin" / "cli" / "purge_caches.php"))  # strings of a same-version copy

    def sql(self, query: str) -> list[list[str]]:
        """Rows of a query on Moodle's database (psql, tab-separated)."""
        env = self.env
        done = subprocess.run(
            ["psql", "-h", env.get("PGHOST", "127.0.0.1"), "-p", env.get("PGPORT", "5432"), "-U",
             env.get("PGUSER", "postgres"), "-d", env.get("MOODLE_DB", "proctor_moodle"), "-AtF", "\t", "-c", query],
            env=env, capture_output=True, text=True, timeout=30, check=True,
        )
        return [line.split("\t") for line in done.stdout.splitlines() if line]


@dataclass
class Tool:
    """The proctoring tool under gunicorn on ``localhost`` (another site than Moodle's 127.0.0.1), its grade
    worker beside it, with their own data folder and logs."""

    folder: Path
    base_url: str
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    service: subprocess.Popen | None = None

    @property
    def logs(self) -> list[Path]:
        return [self.folder / "service.log", self.folder / "worker.log"]

    def cli(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "proctor_core.service.cli", *args],
            env=self.env, cwd=self.folder, capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"proctor {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def spawn(self, log: Path, *args: str) -> None:
        with log.open("w") as out:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "proctor_core.service.cli", *args],
                    env=self.env, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
                )
            )

    def start_service(self) -> None:
        """gunicorn on the tool's port (threads: Chromium keeps idle connections open, which would hold a sync
        worker each until its timeout); returns once it answers."""
        log = self.folder / "service.log"
        with log.open("a") as out:
            self.service = subprocess.Popen(
                [sys.executable, "-m", "proctor_core.service.cli", "serve", "--threads", "4", "--access-logfile", "-"],
                env=self.env, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
            )
        self.processes.append(self.service)
        deadline = time.monotonic() + 60
        while self.get("/lti/jwks/")[0] != 200:
            if self.service.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the tool did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)

    def stop_service(self) -> None:
        """Take the tool off the network (its grade worker keeps running)."""
        self.service.terminate()
        self.service.wait(timeout=20)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{self.base_url}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:  # not listening yet
            return 0, str(error)

    def django(self, code: str) -> Any:
        """Evaluate Python in the tool's Django (its own database) and return the JSON it prints."""
        out = self.cli("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def env_for_tool(folder: Path, port: int, moodle_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proctor_core.service.settings",
        "PROCTOR_DATA_DIR": str(folder),
        "PROCTOR_FRAME_ANCESTORS": moodle_url,
        "PROCTOR_ALLOWED_HOSTS": "localhost 127.0.0.1",
        "PROCTOR_LOG_LEVEL": "INFO",
        "PROCTOR_BIND": f"localhost:{port}",
        "PROCTOR_WORKERS": "3",
    }
    env.pop("DATABASE_URL", None)
    return env


def login(page: Any, moodle_url: str, username: str, password: str) -> None:
    """Log in through Moodle's form. Its JS re-renders #password after load, so wait for the page to settle and
    check the field kept the value before submitting (README: login-form race)."""
    page.goto(f"{moodle_url}/login/index.php")
    page.wait_for_load_state("networkidle")
    for _ in range(20):
        page.fill("#username", username)
        page.fill("#password", password)
        page.wait_for_timeout(150)
        if page.input_value("#password") == password and page.input_value("#username") == username:
            break
    page.click("#loginbtn")
    page.wait_for_load_state("load")
    if "/login/" in page.url:
        raise AssertionError(f"login as {username} failed: {page.locator('#region-main').inner_text()[:500]}")
