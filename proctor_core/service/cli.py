"""The ``proctor`` command: ``proctor serve`` runs the whole service; anything else is a Django management command
(``migrate``, ``createsuperuser``, ``demo``, ``db_worker``, ``periodic``, ``check`` ...). ``migrate`` also creates
the database cache table the processes share.

``proctor serve`` supervises three programs (proctor_core.service.supervisor): the web server (``proctor web``:
gunicorn), django-tasks' ``db_worker`` (``PROCTOR_TASK_WORKERS`` of them, default 1) and ``proctor periodic``.
``--web-only`` runs just gunicorn, in this process; ``--no-web`` just the worker and the periodic jobs. Other
arguments go to gunicorn, e.g. ``proctor serve --bind 0.0.0.0:8000 --workers 4``.

``proctor web`` reads ``PROCTOR_BIND`` (default ``127.0.0.1:8000``), ``PROCTOR_WORKERS`` (default: CPUs + 1, so a
core never idles while a worker waits for the database) and ``PROCTOR_TIMEOUT``; arguments override those.
A configuration error in the environment ends any command with one line that names the variable (exit status 2).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

SETTINGS = "proctor_core.service.settings"
SERVE_FLAGS = ("--web-only", "--no-web")


def gunicorn_argv(args: Sequence[str]) -> list[str]:
    """Gunicorn's command line: defaults from the environment (checked), overridden by ``args``.

    ``--preload`` is refused: it would load the face finder's runtime (ONNX Runtime, which starts threads) in the
    arbiter before it forks, and the workers would then hang or abort whenever they stop.
    """
    from django.core.exceptions import ImproperlyConfigured
    from gunicorn.config import KNOWN_SETTINGS

    from proctor_core.service.environ import env_float, env_int, env_str

    if "--preload" in [*args, *os.environ.get("GUNICORN_CMD_ARGS", "").split()]:
        raise ImproperlyConfigured(
            "gunicorn's --preload is not supported: each worker loads the application (and its face finder) itself"
        )

    defaults: dict[tuple[str, ...], str | None] = {
        ("-b", "--bind"): env_str("PROCTOR_BIND", "127.0.0.1:8000"),
        ("-w", "--workers"): str(env_int("PROCTOR_WORKERS", (os.cpu_count() or 1) + 1, minimum=1)),
        # Threads: a browser's idle pre-connected socket then holds one thread, not a whole worker, for the timeout.
        ("--threads",): str(env_int("PROCTOR_THREADS", 4, minimum=1)),
        ("-t", "--timeout"): f"{env_float('PROCTOR_TIMEOUT', 30, positive=True):g}",
        ("--access-logfile",): "-",
    }
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # gunicorn 25+: its control socket's default path is per user, so two instances on a machine would share it
        defaults[("--control-socket", "--no-control-socket")] = None
    argv = ["gunicorn"]
    for names, value in defaults.items():
        if not any(arg in names or arg.startswith(tuple(f"{n}=" for n in names)) for arg in args):
            argv += [names[-1]] if value is None else [names[-1], value]
    return [*argv, *args, "proctor_core.service.wsgi:application"]


def web(args: Sequence[str]) -> None:
    """Run gunicorn on the service's WSGI application; ``args`` override the defaults taken from the environment."""
    from gunicorn.app.wsgiapp import run

    argv = gunicorn_argv(args)
    # Gunicorn's workers count into files of one directory, so /metrics adds up every worker (prometheus-client).
    own_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    if own_dir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="proctor-metrics-")
    sys.argv = argv
    try:
        run()
    finally:
        if own_dir:
            shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)


def serve(args: Sequence[str]) -> int:
    """Supervise the web server, the task worker(s) and the periodic jobs until Ctrl-C or SIGTERM."""
    from django.core.exceptions import ImproperlyConfigured

    from proctor_core.service.conf import proctor_settings
    from proctor_core.service.supervisor import Program, Supervisor

    if "--web-only" in args and "--no-web" in args:
        raise ImproperlyConfigured("proctor serve: --web-only and --no-web exclude each other")
    gunicorn_args = [arg for arg in args if arg not in SERVE_FLAGS]
    if "--web-only" in args:
        web(gunicorn_args)
        return 0
    if "-h" in args or "--help" in args:
        print(__doc__.strip())
        print("\nGunicorn's own options: proctor serve --web-only --help")
        return 0
    gunicorn_argv(gunicorn_args)  # a wrong PROCTOR_BIND/WORKERS/TIMEOUT stops here, not in a restart loop
    command = [sys.executable, "-m", "proctor_core.service.cli"]
    programs = [] if "--no-web" in args else [Program("web", [*command, "web", *gunicorn_args])]
    workers = proctor_settings().OPS.TASK_WORKERS
    programs += [
        Program(f"worker-{n}" if workers > 1 else "worker", [*command, "db_worker"]) for n in range(1, workers + 1)
    ]
    programs.append(Program("periodic", [*command, "periodic"]))
    return Supervisor(programs).run()


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
        if args[:1] == ["serve"]:
            if status := serve(args[1:]):
                sys.exit(status)
            return
        if args[:1] == ["web"]:
            web(args[1:])
            return
    except ImproperlyConfigured as exc:
        print(f"proctor: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proctor", *args])
    if args[:1] == ["migrate"]:
        execute_from_command_line(["proctor", "createcachetable"])


if __name__ == "__main__":
    main()
