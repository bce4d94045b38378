"""What ``make test`` needs besides Python, checked before any test runs: one message lists everything missing.

    python tests/ops/prerequisites.py postgresql://postgres@127.0.0.1:5432/proctor_test

Exit status 1 when PostgreSQL (the server of that URL), Node or Chromium is missing; HAProxy is only reported (the
scale-out test skips without it, except in CI).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def postgres_problem(url: str) -> str | None:
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL at {urlsplit(url).hostname}:{urlsplit(url).port or 5432} ({first_line}): start it, or point "
            "PROCTOR_TEST_POSTGRES_URL at one (user with CREATEDB); Debian: apt-get install postgresql"
        )
    return None


def main(url: str) -> int:
    chromium = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
    missing = [
        problem
        for problem in (
            postgres_problem(url),
            None if shutil.which("node") else "Node.js for the widget's unit tests: apt-get install nodejs",
            None if chromium.is_file() and os.access(chromium, os.X_OK)
            else f"Chromium at {chromium} for the browser tests (PROCTOR_CHROMIUM): apt-get install chromium",
        )
        if problem
    ]
    if not shutil.which("haproxy"):
        print("note: no haproxy, so the scale-out test will be skipped (apt-get install haproxy)", file=sys.stderr)
    if missing:
        print("make test needs:\n" + "\n".join(f"  - {problem}" for problem in missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
