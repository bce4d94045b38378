"""Whether a page's response headers let a page of another origin show it in a frame, read as browsers read them.

Browsers obey ``Content-Security-Policy: frame-ancestors`` (every policy that has the directive must allow the
framing page) and then ignore ``X-Frame-Options``; without such a policy, ``X-Frame-Options: DENY`` refuses every
framing page and ``SAMEORIGIN`` every one of another origin, while an unknown value (the obsolete ``ALLOW-FROM``)
is ignored. ``Content-Security-Policy-Report-Only`` blocks nothing. Source expressions are matched as CSP Level 3
does for origins (scheme, host with ``*.`` wildcards, port, the http → https upgrade); their paths are not
compared, so the answer is about origins.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_SOURCE = re.compile(r"(?:([a-z][a-z0-9+.-]*)://)?(\*|\*\.[^/:]+|[^/:*]+)(?::(\*|\d+))?(?:/.*)?")


def framing_refusal(headers: list[tuple[str, str]], *, framer_origin: str, page_origin: str) -> str | None:
    """Why a page of ``page_origin`` answered with ``headers`` refuses a frame in ``framer_origin``; ``None`` if not."""
    policies = [
        policy
        for name, value in headers
        if name.lower() == "content-security-policy"
        for policy in value.split(",")
    ]
    ancestors = [sources for sources in map(_frame_ancestors, policies) if sources is not None]
    framer, page = urlsplit(framer_origin), urlsplit(page_origin)
    for sources in ancestors:
        if not any(_matches(source.lower(), framer, page) for source in sources):
            listed = " ".join(sources) or "'none'"
            return f"its Content-Security-Policy says frame-ancestors {listed}, which does not include {framer_origin}"
    if ancestors:
        return None
    options = {
        option.strip().lower()
        for name, value in headers
        if name.lower() == "x-frame-options"
        for option in value.split(",")
    }
    if "deny" in options:
        return "it sends X-Frame-Options: DENY"
    if "sameorigin" in options and framer_origin != page_origin:
        return "it sends X-Frame-Options: SAMEORIGIN"
    return None


def _frame_ancestors(policy: str) -> list[str] | None:
    for directive in policy.split(";"):
        tokens = directive.split()
        if tokens and tokens[0].lower() == "frame-ancestors":
            return tokens[1:]
    return None


def _port(url: SplitResult) -> int | None:
    return url.port or _DEFAULT_PORTS.get(url.scheme)


def _scheme_matches(expected: str, actual: str) -> bool:
    return actual == expected or (expected == "http" and actual == "https")


def _matches(source: str, framer: SplitResult, page: SplitResult) -> bool:
    if source == "'self'":
        return (
            _scheme_matches(page.scheme, framer.scheme)
            and framer.hostname == page.hostname
            and (_port(framer) == _port(page) or (framer.port is None and page.port is None))
        )
    if source == "*":
        return framer.scheme in _DEFAULT_PORTS
    if re.fullmatch(r"[a-z][a-z0-9+.-]*:", source):
        return _scheme_matches(source[:-1], framer.scheme)
    match = _HOST_SOURCE.fullmatch(source)
    if not match:
        return False  # 'none' (with other sources, it means nothing), nonces, hashes, keywords
    scheme, host, port = match.groups()
    if not _scheme_matches(scheme or page.scheme, framer.scheme):
        return False
    framer_host = framer.hostname or ""
    if host.startswith("*."):
        if not framer_host.endswith(host[1:]):
            return False
    elif host not in {"*", framer_host}:
        return False
    if port is None:
        return framer.port is None or framer.port == _DEFAULT_PORTS.get(framer.scheme)
    return port == "*" or int(port) == _port(framer) or (int(port) == 80 and _port(framer) == 443)
