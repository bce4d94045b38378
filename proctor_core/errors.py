"""Typed errors of the core. Each carries a stable snake_case ``code`` and the HTTP status the service answers with."""

from __future__ import annotations

from typing import Any


class ProctorError(Exception):
    """Base class: an expected problem with a stable code, answered with its status and never a crash.

    A 4xx is one the caller can fix; a 503 one the operator must fix (the service is not set up to do what was
    asked). ``status_code`` is the class's default; an instance may carry its own.
    """

    code = "proctor_error"
    status_code = 400

    def __init__(self, message: str, *, details: Any = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if status_code is not None:
            self.status_code = status_code


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
    """Plugins cannot be loaded as configured (duplicate names, unknown blocked names, bad records), or a request
    needs a plugin that is not installed (no face finder).

    At start-up it stops the service; during a request it is the deployment's fault, not the client's, and nothing
    the client sent can change it: 503, as for a service that is not ready.
    """

    code = "plugin_error"
    status_code = 503
