"""Exam addresses of the exam-wrapper page: what is accepted, and the hostile ones refused with a reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from proctor_core.config import ExamConfig
from proctor_core.exam_address import MAX_LENGTH, check_exam_address, is_loopback, origin


@pytest.mark.parametrize(
    "url",
    [
        "https://exam.example.org/quiz/1?attempt=2#q3",
        "https://canvas.example.edu:8443/courses/1/quizzes/7",
        "https://192.0.2.10/exam",
        "https://[2001:db8::1]/exam",
        "HTTPS://Exam.Example.org/",
        "https://xn--bcher-kva.example/exam",
    ],
)
def test_https_addresses_are_accepted(url):
    assert check_exam_address(f"  {url}\n", allow_loopback_http=False) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("javascript:alert(1)", "https://"),
        ("JavaScript:alert(document.domain)//https://exam.example.org", "https://"),
        ("data:text/html,<script>alert(1)</script>", "angle brackets"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "https://"),
        ("file:///etc/passwd", "https://"),
        ("ftp://exam.example.org/", "https://"),
        ("//exam.example.org/quiz", "https://"),
        ("/quiz/1", "https://"),
        ("exam.example.org/quiz", "https://"),
        ("https://", "host"),
        ("https:///path", "host"),
        ("https://user:secret@exam.example.org/", "user name"),
        ("https://exam.example.org@evil.example/", "user name"),
        ("https://exam.example.org:99999/", "port"),
        ("https://exam.example.org:port/", "port"),
        ("https://exam example.org/", "spaces"),
        ("https://exam.example.org/\x00", "control"),
        ("https://exam.example.org/\"onload=\"x", "quotes"),
        ("https:\\\\evil.example\\", "backslashes"),
        ("https://exämple.org/", "xn--"),
        ("https://-bad-.example.org/", "not a valid host"),
        ("https://exam..example.org/", "not a valid host"),
        ("https://exam_1.example.org/", "not a valid host"),
        ("https://1.2.3/", "not a valid host"),
        ("http://exam.example.org/", "https://"),
        ("http://127.0.0.1:8000/", "https://"),  # loopback http only where the caller allows it
        ("https://exam.example.org/" + "a" * MAX_LENGTH, "longer than"),
    ],
)
def test_hostile_or_broken_addresses_are_refused_with_a_reason(url, reason):
    with pytest.raises(ValueError, match=reason):
        check_exam_address(url, allow_loopback_http=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/exam", "http://localhost:9/", "http://[::1]/", "http://127.8.0.1/"]
)
def test_loopback_http_only_when_allowed(url):
    assert check_exam_address(url, allow_loopback_http=True) == url
    with pytest.raises(ValueError):
        check_exam_address(url, allow_loopback_http=False)


@pytest.mark.parametrize("url", ["http://exam.example.org/", "http://10.0.0.1/", "http://localhost.example.org/"])
def test_plain_http_elsewhere_is_refused_even_when_loopback_is_allowed(url):
    with pytest.raises(ValueError, match="https://"):
        check_exam_address(url, allow_loopback_http=True)


def test_loopback_and_origin():
    assert is_loopback("localhost") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("example.org")
    assert origin("https://exam.example.org:8443/a/b?c#d") == "https://exam.example.org:8443"


def test_exam_config_carries_a_checked_address():
    config = ExamConfig(exam_url=" https://exam.example.org/quiz ")
    assert config.exam_url == "https://exam.example.org/quiz"
    assert ExamConfig().exam_url is None
    assert "exam_url" not in ExamConfig().model_dump(exclude_defaults=True), "old encodings stay unchanged"
    with pytest.raises(ValidationError, match="https://"):
        ExamConfig(exam_url="javascript:alert(1)")

