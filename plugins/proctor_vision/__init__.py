"""Built-in face finder: MediaPipe BlazeFace (short range) run through ONNX Runtime at 256 x 192.

Registered ``trylast``, so any installed plugin that implements ``proctor_face_finder`` replaces it.
"""

from __future__ import annotations

from functools import cache

from proctor_core import hookimpl
from proctor_core.types import FaceFinder
from proctor_vision.finder import BlazeFaceFinder


@cache
def default_finder() -> BlazeFaceFinder:
    """The process's built-in finder, loaded once (the model load takes a few milliseconds)."""
    return BlazeFaceFinder()


@hookimpl(trylast=True)
def proctor_face_finder() -> FaceFinder:
    """Provide the built-in BlazeFace finder."""
    return default_finder()


__all__ = ["BlazeFaceFinder", "default_finder", "proctor_face_finder"]
