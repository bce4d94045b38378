"""The address of an exam that the exam-wrapper page shows in a frame under the capture widget.

An exam address is an absolute ``https`` URL of a named host, without credentials, at most
:data:`MAX_LENGTH` characters. Plain ``http`` is accepted only for a loopback host (``localhost``, ``127.0.0.0/8``,
``::1``), and only where the caller allows it: the service does in development and tests, never in production,
where an ``http`` frame inside an ``https`` page would be blocked as mixed content anyway. Everything else
(``javascript:``, ``data:``, ``file:``, relative paths, user names, spaces and control characters) is refused with
a message that says why.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_LENGTH = 2000
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\<>\"'`]")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's hostname, lower case, IPv6 without brackets) names this machine."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an address accepted by :func:`check_exam_address`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_exam_address(value: str, *, allow_loopback_http: bool) -> str:
    """``value`` without surrounding white space if it is an acceptable exam address; ``ValueError`` saying why not."""
    url = value.strip()
    if not url:
        raise ValueError("the exam address is empty")
    if len(url) > MAX_LENGTH:
        raise ValueError(f"the exam address is longer than {MAX_LENGTH} characters")
    if _FORBIDDEN.search(url):
        raise ValueError("the exam address contains spaces, control characters, quotes, angle brackets or backslashes")
    if not url.isascii():
        raise ValueError("the exam address must be ASCII: write an international domain name in its xn-- form")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise ValueError("the exam address must start with https://")
    if not parts.netloc or "@" in parts.netloc:
        raise ValueError("the exam address must name a host, without a user name or password")
    try:
        host, _ = parts.hostname or "", parts.port  # .port raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError("the exam address has an invalid port") from exc
    if not _valid_host(host):
        raise ValueError(f"the exam address's host {host!r} is not a valid host name or IP address")
    if scheme == "http" and not (allow_loopback_http and is_loopback(host)):
        raise ValueError("the exam address must start with https://")
    return url


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def framing_refusal(headers: list[tuple[str, str]], *, framer_origin: str, exam_origin: str) -> str | None:
    """Why a response with these headers refuses to be framed by a page of ``framer_origin``; ``None`` if it allows.

    Browsers obey ``Content-Security-Policy: frame-ancestors`` (every such policy must allow the framer) and ignore
    ``X-Frame-Options`` when a policy names frame-ancestors; ``X-Frame-Options: DENY`` refuses everyone and
    ``SAMEORIGIN`` everyone of another origin (an unknown value, such as the obsolete ``ALLOW-FROM``, is ignored).
    Paths in source expressions are not compared: the answer is about origins.
    """
    policies = [
        policy.strip()
        for name, value in headers
        if name.lower() == "content-security-policy"
        for policy in value.split(",")
    ]
    ancestors = [_directive(policy, "frame-ancestors") for policy in policies]
    ancestors = [sources for sources in ancestors if sources is not None]
    for sources in ancestors:
        if not any(_source_matches(source, framer_origin, exam_origin) for source in sources):
            listed = " ".join(sources) or "'none'"
            return f"its Content-Security-Policy says frame-ancestors {listed}, which does not include {framer_origin}"
    if ancestors:
        return None
    options = {
        option.strip().lower() for name, value in headers if name.lower() == "x-frame-options" for option in value.split(",")
    }
    if "deny" in options:
        return "it sends X-Frame-Options: DENY"
    if "sameorigin" in options and framer_origin != exam_origin:
        return "it sends X-Frame-Options: SAMEORIGIN"
    return None


def _directive(policy: str, name: str) -> list[str] | None:
    for directive in policy.split(";"):
        tokens = directive.split()
        if tokens and tokens[0].lower() == name:
            return tokens[1:]
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _source_matches(source: str, framer_origin: str, exam_origin: str) -> bool:
    framer = urlsplit(framer_origin)
    scheme, host, port = framer.scheme, framer.hostname or "", framer.port or _DEFAULT_PORTS.get(framer.scheme)
    source = source.strip()
    lowered = source.lower()
    if lowered == "'none'":
        return False
    if lowered == "'self'":
        return framer_origin == exam_origin or (
            urlsplit(exam_origin).scheme == "http" and scheme == "https" and framer.netloc == urlsplit(exam_origin).netloc
        )
    if lowered == "*":
        return scheme in _DEFAULT_PORTS
    if re.fullmatch(r"[a-z][a-z0-9+.-]*:", lowered):
        return lowered[:-1] == scheme or (lowered == "http:" and scheme == "https")
    match = re.fullmatch(r"(?:([a-z][a-z0-9+.-]*)://)?(\*|\*\.[^/:]+|[^/:*]+)(?::(\*|\d+))?(?:/.*)?", lowered)
    if not match:
        return False
    source_scheme, source_host, source_port = match.groups()
    if source_scheme:
        if source_scheme != scheme and not (source_scheme == "http" and scheme == "https"):
            return False
    elif scheme != urlsplit(exam_origin).scheme and not (urlsplit(exam_origin).scheme == "http" and scheme == "https"):
        return False
    if source_host.startswith("*."):
        if not host.endswith(source_host[1:]):
            return False
    elif source_host != "*" and source_host != host:
        return False
    if source_port == "*":
        return True
    wanted = int(source_port) if source_port else _DEFAULT_PORTS.get(source_scheme or scheme)
    return wanted == port or (not source_port and source_scheme == "http" and scheme == "https" and port == 443)
