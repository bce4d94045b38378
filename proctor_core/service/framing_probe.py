"""Ask an exam site, before learners meet it, whether it lets the tool frame it.

Browsers keep a refused frame blank and tell the framing page nothing, so the exam-wrapper page cannot detect the
refusal. The rules form can: it fetches the exam address once (one GET, no redirect followed, a short timeout,
nothing read beyond the headers) and reads its ``X-Frame-Options`` and ``Content-Security-Policy: frame-ancestors``
(:func:`proctor_core.frame_policy.framing_refusal`). A redirect's own headers count too, since a site that refuses
framing usually does so everywhere.

The request is made on an instructor's behalf to an address they chose, so it only goes to public addresses: the
host is resolved once, every address must be global (loopback too only where loopback exam addresses are allowed:
development and tests), and the connection goes to the address that was checked, so a second, different DNS answer
cannot redirect it inside the network. Anything inconclusive (not asked, no answer) is ``None``: the check can only
ever warn, never vouch.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from proctor_core.exam_address import origin
from proctor_core.frame_policy import framing_refusal

TIMEOUT_S = 5.0


def probe_framing(url: str, *, framer_origin: str, allow_loopback: bool) -> str | None:
    """Why the exam at ``url`` refuses to be framed by ``framer_origin``, or ``None`` (allowed, or not known)."""
    parts = urlsplit(url)
    host, https = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _public_address(host, port, allow_loopback=allow_loopback)
    if address is None:
        return None
    connection = _PinnedHTTPS(host, port, address) if https else _PinnedHTTP(host, port, address)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=_HEADERS)
        headers = connection.getresponse().getheaders()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
    return framing_refusal(headers, framer_origin=framer_origin, page_origin=origin(url))


_HEADERS = {"User-Agent": "proctor-framing-check", "Accept": "text/html"}


def _public_address(host: str, port: int, *, allow_loopback: bool) -> str | None:
    """One address of ``host`` if all of them are public (or loopback, where allowed); else ``None``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(a.is_global or (allow_loopback and a.is_loopback) for a in addresses):
        return None
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to ``host`` made to the address already checked, not to a fresh DNS answer."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS: the certificate is still checked against ``host``."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
