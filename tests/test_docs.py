"""Meta-tests: the hook reference matches the hookspecs, every hook has a test, the tutorial's code is tested."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from proctor_core import hookspecs

ROOT = Path(__file__).parent.parent
HOOKS = sorted(name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("proctor_"))


def _signature(name: str) -> str:
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_signature(hook):
    headings = re.findall(r"^### `(.+)`$", (ROOT / "docs" / "plugin_hooks.md").read_text(), re.M)
    assert _signature(hook) in headings


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring(hook):
    assert len(inspect.getdoc(getattr(hookspecs, hook)) or "") > 80


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"def test_hook_{hook}[_(]", sources), f"no test named test_hook_{hook}*"


def test_tutorial_code_is_the_tested_example_plugin():
    """docs/plugins.md shows the example plugin's files exactly as the suite installs and tests them."""
    tutorial = (ROOT / "docs" / "plugins.md").read_text()
    for rel in ("proctor_gaze/__init__.py", "pyproject.toml"):
        assert (ROOT / "tests" / "example_plugin" / rel).read_text().strip() in tutorial, rel


def test_core_imports_without_django():
    """proctor_core (outside service/) and the built-in plugins import with Django absent."""
    code = (
        "import sys; sys.modules['django'] = None; sys.modules['rest_framework'] = None; "
        "sys.modules['pylti1p3'] = None\n"
        "import proctor_core.engine, proctor_core.plugins, proctor_core.config, proctor_core.scoring\n"
        "import proctor_core.imaging, proctor_core.testing\n"
        "from proctor_core.plugins import make_plugin_manager\n"
        "make_plugin_manager(load_entrypoints=False).face_finder\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_api_docs_state_the_decode_size_the_code_uses():
    from proctor_core.imaging import DECODE_MIN_SIDE

    api = (ROOT / "docs" / "api.md").read_text()
    assert re.findall(r"at least (\d+) px on its longer side", api) == [str(DECODE_MIN_SIDE)]


def test_api_docs_penalty_example_is_what_the_flat_policy_writes():
    """The face_missing row of the end-of-session example is the flat policy's row for such a violation."""
    import json
    from datetime import UTC, datetime

    from proctor_core.plugins import make_plugin_manager
    from proctor_core.scoring import receipt_lines
    from proctor_core.types import Violation

    api = (ROOT / "docs" / "api.md").read_text()
    row = json.loads(re.search(r'\{"violation_id": "…", "code": "face_missing".*?\}', api, re.S).group(0))
    line = json.loads(re.search(r'\{"code": "face_missing", "at".*?\}', api, re.S).group(0))
    plugins = make_plugin_manager(load_entrypoints=False)
    spec = plugins.detectors["face_missing"]
    at = datetime(2026, 1, 5, 14, 25, 27, tzinfo=UTC).timestamp()
    absent = Violation(code="face_missing", at=at, rule=spec.default_rule, detail={"lasted_s": 6.1})
    flat = plugins.policies["flat"].factory(None)
    [penalty] = flat.penalties([absent], {"face_missing": 5})
    assert (row["points"], row["rule"], row["reason"]) == (penalty.points, penalty.rule, penalty.reason)
    [receipt] = receipt_lines([penalty], [absent])
    assert (line["description"], line["rule"], line["points"]) == (receipt.description, receipt.rule, receipt.points)
