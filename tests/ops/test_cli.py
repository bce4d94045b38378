"""``proctor serve``'s own options, before anything starts."""

from __future__ import annotations

import sys

import pytest

from proctor_core.service import cli


def test_help_explains_serve_and_starts_nothing(capsys, monkeypatch):
    monkeypatch.setattr(cli, "web", lambda args: pytest.fail("the web server must not start"))
    cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--web-only" in out and "--no-web" in out and "PROCTOR_TASK_WORKERS" in out


def test_web_only_hands_help_to_gunicorn(monkeypatch):
    import gunicorn.app.wsgiapp

    seen = {}
    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", lambda: seen.update(argv=list(sys.argv)))
    cli.main(["serve", "--web-only", "--help"])
    assert "--help" in seen["argv"]


def test_web_only_and_no_web_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--web-only", "--no-web"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "proctor: configuration error: proctor serve: --web-only and --no-web exclude each other"
    )


@pytest.mark.parametrize("where", ["argument", "GUNICORN_CMD_ARGS"])
def test_preload_is_refused_before_anything_starts(where, capsys, monkeypatch):
    import gunicorn.app.wsgiapp

    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", lambda: pytest.fail("gunicorn must not start"))
    args = ["serve", "--web-only"]
    if where == "argument":
        args.append("--preload")
    else:
        monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 2 --preload")
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 2
    assert "--preload is not supported" in capsys.readouterr().err
