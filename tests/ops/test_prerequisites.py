"""``make test``'s prerequisite check: one message that lists every missing component."""

from __future__ import annotations

import shutil

import prerequisites


def test_everything_missing_is_listed_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROCTOR_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert prerequisites.main("postgresql://postgres@127.0.0.1:9/proctor_test") == 1
    message = capsys.readouterr().err
    assert message.count("make test needs:") == 1
    assert "PostgreSQL at 127.0.0.1:9" in message
    assert "Node.js" in message
    assert f"Chromium at {tmp_path / 'no-chromium'}" in message
    assert "scale-out test will be skipped" in message


def test_nothing_is_said_when_all_is_there(tmp_path, monkeypatch, capsys):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setenv("PROCTOR_CHROMIUM", str(chromium))
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(prerequisites, "postgres_problem", lambda url: None)
    assert prerequisites.main("postgresql://postgres@127.0.0.1:5432/proctor_test") == 0
    assert capsys.readouterr().err == ""
