"""The tool's signing keys: generation, rotation and pruning.

Every registration signs with the current key (client assertions for AGS, deep-linking responses). The JWKS
endpoint publishes every stored key with its ``kid`` (the RFC 7638 thumbprint), so after a rotation the old public
key stays published, and tokens signed just before still verify, until it is pruned.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from pylti1p3.contrib.django.lti1p3_tool_config.models import LtiTool, LtiToolKey

from lms_adapter.models import RetiredToolKey

KEY_SIZE = 2048


def generate_key(name: str) -> LtiToolKey:
    """Create and save a new RSA key pair (PEM; the public JWK is derived on save)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return LtiToolKey.objects.create(name=name, private_key=private_pem, public_key=public_pem)


def kid(key: LtiToolKey) -> str:
    """The key's id in the JWKS and in the header of every JWT it signs."""
    return json.loads(key.public_jwk)["kid"]


def current_key() -> LtiToolKey:
    """The newest key that is not retired: the one new registrations sign with (created if there is none)."""
    key = LtiToolKey.objects.filter(retirement__isnull=True).order_by("-pk").first()
    return key or generate_key(_key_name(timezone.now()))


def _key_name(at: datetime) -> str:
    return f"proctor-{at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Rotation:
    new: LtiToolKey
    retired: tuple[str, ...]
    pruned: tuple[str, ...]


def rotate(*, keep_for: timedelta, at: datetime | None = None) -> Rotation:
    """Make a new key current for every registration, retire the others, prune those retired over ``keep_for`` ago."""
    at = at or timezone.now()
    with transaction.atomic():
        new = generate_key(_key_name(at))
        old = list(LtiToolKey.objects.filter(retirement__isnull=True).exclude(pk=new.pk))
        LtiTool.objects.exclude(tool_key=new).update(tool_key=new)
        RetiredToolKey.objects.bulk_create(RetiredToolKey(key=key, retired_at=at) for key in old)
        pruned = prune(keep_for=keep_for, at=at)
    return Rotation(new=new, retired=tuple(key.name for key in old), pruned=pruned)


def prune(*, keep_for: timedelta, at: datetime | None = None) -> tuple[str, ...]:
    """Delete keys retired more than ``keep_for`` ago that no registration uses; return their names."""
    at = at or timezone.now()
    expired = LtiToolKey.objects.filter(retirement__retired_at__lt=at - keep_for, lti_tools__isnull=True)
    names = tuple(expired.values_list("name", flat=True))
    expired.delete()
    return names
