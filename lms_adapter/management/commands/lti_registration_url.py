"""``proctor lti_registration_url``: a signed, single-use URL for LTI Dynamic Registration, valid one hour."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from lms_adapter.dynamic_registration import new_link_token


class Command(BaseCommand):
    help = "Print the URL a platform administrator pastes to register this tool (LTI Dynamic Registration)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url", required=True, help="Public HTTPS address of this tool, e.g. https://proctor.example.org"
        )
        parser.add_argument(
            "--hours", type=float, default=1.0, help="Validity of the URL (default 1); it registers one platform once"
        )

    def handle(self, *args, base_url: str, hours: float, **options) -> None:
        if not hours > 0:
            raise CommandError("--hours must be positive")
        path = reverse("lti:register", args=[new_link_token(hours * 3600)])
        self.stdout.write(base_url.rstrip("/") + path)
