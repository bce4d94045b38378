"""Session tokens (random, shown once, stored only as their SHA-256) and result-page keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils.crypto import salted_hmac

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A fresh session token and its hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def result_key(session_id: object) -> str:
    """The key of a session's result page: it reads that session's score and nothing else."""
    return salted_hmac("proctor.result-page", str(session_id), algorithm="sha256").hexdigest()[:32]


def check_result_key(session_id: object, key: str) -> bool:
    return hmac.compare_digest(result_key(session_id), key)
