"""Suite-wide fixtures and the rule for tests that need a real component.

A test that needs PostgreSQL, Chromium or another real component calls :func:`need`. Elsewhere it skips with
the reason; in CI (``PROCTOR_REQUIRE_COMPONENTS=1``, set by ``.ci/run``) a missing component fails the test.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["proctor_core.testing"]

REQUIRE_COMPONENTS = os.environ.get("PROCTOR_REQUIRE_COMPONENTS") == "1"


def need(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real component the test needs is missing."""
    if available:
        return
    if REQUIRE_COMPONENTS:
        pytest.fail(f"required component missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require():
    """:func:`need` as a fixture, for test modules (and other conftests) that cannot import this one."""
    return need
