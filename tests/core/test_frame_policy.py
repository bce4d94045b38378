"""Framing headers read as browsers read them: may a page of the tool's origin frame the exam?"""

from __future__ import annotations

import pytest

from proctor_core.frame_policy import framing_refusal

TOOL = "https://proctor.example.org"
EXAM = "https://quiz.example.edu"


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ([], None),
        ([("X-Frame-Options", "DENY")], "X-Frame-Options: DENY"),
        ([("x-frame-options", "sameorigin")], "X-Frame-Options: SAMEORIGIN"),
        ([("X-Frame-Options", "ALLOW-FROM https://proctor.example.org")], None),  # obsolete, ignored by browsers
        ([("Content-Security-Policy", "frame-ancestors 'none'")], "frame-ancestors 'none'"),
        ([("Content-Security-Policy", "frame-ancestors 'self'")], "does not include https://proctor.example.org"),
        ([("Content-Security-Policy", "default-src 'self'; frame-ancestors https://proctor.example.org")], None),
        ([("Content-Security-Policy", "frame-ancestors 'self' proctor.example.org")], None),
        ([("Content-Security-Policy", "frame-ancestors *.example.org")], None),
        ([("Content-Security-Policy", "frame-ancestors *.example.com")], "frame-ancestors *.example.com"),
        ([("Content-Security-Policy", "frame-ancestors https:")], None),
        ([("Content-Security-Policy", "frame-ancestors *")], None),
        ([("Content-Security-Policy", "frame-ancestors https://proctor.example.org:8443")], "does not include"),
        ([("Content-Security-Policy", "frame-ancestors https://proctor.example.org:*")], None),
        ([("Content-Security-Policy", "frame-ancestors http://proctor.example.org")], None),  # upgraded to https
        ([("Content-Security-Policy", "frame-ancestors https://proctor.example.org.evil.test")], "does not include"),
        # frame-ancestors present: X-Frame-Options is ignored
        (
            [("X-Frame-Options", "DENY"), ("Content-Security-Policy", "frame-ancestors https://proctor.example.org")],
            None,
        ),
        # every policy must allow it, whether in two headers or in one, comma-separated
        (
            [("Content-Security-Policy", "frame-ancestors *"), ("Content-Security-Policy", "frame-ancestors 'self'")],
            "frame-ancestors 'self'",
        ),
        ([("Content-Security-Policy", "frame-ancestors *, frame-ancestors 'none'")], "frame-ancestors 'none'"),
        ([("Content-Security-Policy-Report-Only", "frame-ancestors 'none'")], None),  # reports, blocks nothing
    ],
)
def test_framing_refusal_reads_the_headers_as_browsers_do(headers, refused):
    reason = framing_refusal(headers, framer_origin=TOOL, page_origin=EXAM)
    if refused is None:
        assert reason is None
    else:
        assert reason is not None and refused in reason


def test_self_and_ports():
    same = {"framer_origin": TOOL, "page_origin": TOOL}
    assert framing_refusal([("Content-Security-Policy", "frame-ancestors 'self'")], **same) is None
    assert framing_refusal([("X-Frame-Options", "SAMEORIGIN")], **same) is None
    on_port = {"framer_origin": "https://proctor.example.org:8443", "page_origin": EXAM}
    assert framing_refusal([("Content-Security-Policy", "frame-ancestors proctor.example.org")], **on_port)
    assert framing_refusal([("Content-Security-Policy", "frame-ancestors proctor.example.org:8443")], **on_port) is None
    # 'none' beside other sources means nothing; a nonce is no source of frames
    both = [("Content-Security-Policy", "frame-ancestors 'none' https://proctor.example.org")]
    assert framing_refusal(both, framer_origin=TOOL, page_origin=EXAM) is None
    nonce = [("Content-Security-Policy", "frame-ancestors 'nonce-abc'")]
    assert framing_refusal(nonce, framer_origin=TOOL, page_origin=EXAM)
