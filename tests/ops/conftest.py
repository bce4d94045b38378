"""Fixtures of the operations tests: the service run as an operator runs it, in processes of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lms_adapter"))  # the test platform, lti_test_platform

from lti_test_platform import FakePlatform  # noqa: E402


@pytest.fixture
def platform():
    """A test LMS platform serving on 127.0.0.1 (JWKS, token endpoint, AGS scores) for one test."""
    fake = FakePlatform()
    yield fake
    fake.stop()
