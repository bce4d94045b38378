"""Parsers of API v1 besides JSON: a frame may be posted as a raw JPEG body."""

from __future__ import annotations

from rest_framework.parsers import BaseParser


class JPEGParser(BaseParser):
    """A raw ``image/jpeg`` body, handed on as bytes (decoded and checked by the core)."""

    media_type = "image/jpeg"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read()
