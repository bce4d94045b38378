"""The ``proctor`` command: ``proctor serve`` runs the service with gunicorn; anything else is a Django
management command (``migrate``, ``createsuperuser``, ``demo``, ``purge_evidence``, ``db_worker``, ``check`` ...).
``migrate`` also creates the database cache table the processes share.

``serve`` reads ``PROCTOR_BIND`` (default ``127.0.0.1:8000``), ``PROCTOR_WORKERS`` (default: CPUs + 1, so a core
never idles while a worker waits for the database) and ``PROCTOR_TIMEOUT``; arguments after ``serve`` go to
gunicorn and override those, e.g. ``proctor serve --bind 0.0.0.0:8000 --workers 4``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

SETTINGS = "proctor_core.service.settings"


def serve(args: Sequence[str]) -> None:
    """Run gunicorn on the service's WSGI application; ``args`` override the defaults taken from the environment."""
    from gunicorn.app.wsgiapp import run

    defaults = {
        ("-b", "--bind"): os.environ.get("PROCTOR_BIND", "127.0.0.1:8000"),
        ("-w", "--workers"): os.environ.get("PROCTOR_WORKERS", str((os.cpu_count() or 1) + 1)),
        ("-t", "--timeout"): os.environ.get("PROCTOR_TIMEOUT", "30"),
        ("--access-logfile",): "-",
    }
    argv = ["gunicorn"]
    for names, value in defaults.items():
        if not any(arg in names or arg.startswith(tuple(f"{n}=" for n in names)) for arg in args):
            argv += [names[-1], value]
    sys.argv = [*argv, *args, "proctor_core.service.wsgi:application"]
    run()


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    if args[:1] == ["serve"]:
        serve(args[1:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proctor", *args])
    if args[:1] == ["migrate"]:
        execute_from_command_line(["proctor", "createcachetable"])


if __name__ == "__main__":
    main()
