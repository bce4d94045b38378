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

