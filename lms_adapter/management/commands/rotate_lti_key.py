"""``proctor rotate_lti_key``: a new tool key for every registration; old keys stay published for a while."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from lms_adapter import keys


class Command(BaseCommand):
    help = (
        "Generate a new RSA key pair and make every LTI registration sign with it. Replaced keys stay in the "
        "JWKS for --keep-days, then are deleted. The first run creates the tool's first key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keep-days", type=float, default=7.0, help="Publish replaced keys this long (default 7)")
        parser.add_argument("--prune-only", action="store_true", help="Only delete keys retired over --keep-days ago")

    def handle(self, *args, keep_days: float, prune_only: bool, **options) -> None:
        keep_for = timedelta(days=keep_days)
        if prune_only:
            pruned = keys.prune(keep_for=keep_for)
        else:
            rotation = keys.rotate(keep_for=keep_for)
            pruned = rotation.pruned
            self.stdout.write(f"current key: {rotation.new.name} (kid {keys.kid(rotation.new)})")
            for name in rotation.retired:
                self.stdout.write(f"retired, still published: {name}")
        for name in pruned:
            self.stdout.write(f"deleted: {name}")
