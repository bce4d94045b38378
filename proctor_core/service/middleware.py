"""Content Security Policy on every response, framing included.

Every page the service renders loads its scripts, styles, images and API calls from the service itself (no inline
script or style, no other host): ``default-src 'self'``; images may also be ``data:`` URLs (Swagger UI's icons,
an empty favicon). ``frame-ancestors`` is ``'none'`` unless ``PROCTOR_FRAME_ANCESTORS`` lists origins (the LMS);
then pages outside the admin may be framed by those origins only, and are exempt from Django's
``X-Frame-Options: DENY`` (which cannot name origins). The admin is never framed.

A response that already carries a ``Content-Security-Policy`` (a view that needs its own, e.g. a ``frame-src``)
keeps it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

BASE_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"


def content_security_policy(frame_ancestors: list[str]) -> str:
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return f"{BASE_POLICY}; frame-ancestors {ancestors}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.origins = list(getattr(settings, "FRAME_ANCESTORS", []))
        self.admin_prefix: str | None = None
        self.framable_policy = content_security_policy(self.origins)
        self.unframable_policy = content_security_policy([])

    def _admin_prefix(self) -> str:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        return self.admin_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        framable = bool(self.origins) and not request.path_info.startswith(self._admin_prefix())
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.framable_policy if framable else self.unframable_policy
        if framable:
            response.xframe_options_exempt = True
        return response
