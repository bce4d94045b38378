"""Framing policy: only the configured LMS origins may put the tool in an iframe.

Every response carries ``Content-Security-Policy: frame-ancestors ...``: ``'none'`` unless
``PROCTOR_FRAME_ANCESTORS`` lists origins. With origins configured, pages outside the admin are exempt from
Django's ``X-Frame-Options: DENY`` (which cannot name origins); the admin is never framed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class FrameAncestorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        origins = list(getattr(settings, "FRAME_ANCESTORS", []))
        self.origins = origins
        self.admin_prefix: str | None = None
        self.policy = f"frame-ancestors {' '.join(origins)}" if origins else "frame-ancestors 'none'"

    def _admin_prefix(self) -> str:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        return self.admin_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        framable = bool(self.origins) and not request.path_info.startswith(self._admin_prefix())
        policy = self.policy if framable else "frame-ancestors 'none'"
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if framable:
            response.xframe_options_exempt = True
        return response
