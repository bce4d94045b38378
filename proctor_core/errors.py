"""Typed errors of the core. Each carries a stable snake_case ``code`` and the HTTP status the service answers with."""

from __future__ import annotations

from typing import Any


class ProctorError(Exception):
    """Base class: a problem the caller can fix; never a crash."""

    code = "proctor_error"
    status_code = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidImage(ProctorError):
    """The frame is empty, corrupt, not JPEG/PNG, or its dimensions are out of bounds."""

    code = "invalid_image"
    status_code = 400


class ImageTooComplex(InvalidImage):
    """The frame's structure declares more than its bytes hold or more decoding work than any camera frame needs."""

    code = "image_too_complex"
    status_code = 422


class ImageTooLarge(ProctorError):
    """The encoded frame, or its pixel count, is larger than the configured cap."""

    code = "image_too_large"
    status_code = 413


class ConfigError(ProctorError):
    """An exam or plugin configuration does not validate; the message lists the alternatives."""

    code = "invalid_config"
    status_code = 400


class PluginError(ProctorError):
    """Plugins cannot be loaded as configured (duplicate names, unknown blocked names, bad records)."""

    code = "plugin_error"
    status_code = 500
