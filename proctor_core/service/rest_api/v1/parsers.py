"""Parsers of API v1: JSON with bounded nesting, and a frame posted as a raw JPEG body."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with absurd nesting (``[[[[...``, 100,000 deep) a 400 rather than a RecursionError.

    Python's decoder gives up at the interpreter's recursion limit (about 1,000 levels) within microseconds, so
    nothing deep is ever built; no request body of this API nests more than five levels.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc


class JPEGParser(BaseParser):
    """A raw ``image/jpeg`` body, handed on as bytes (decoded and checked by the core)."""

    media_type = "image/jpeg"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read()
