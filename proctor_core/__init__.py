"""Proctoring framework core: hook specifications, plugin manager, violations engine and scoring.

Importable and testable without Django; the HTTP service lives in :mod:`proctor_core.service`.
"""

import pluggy

__version__ = "0.1.0"

PROJECT_NAME = "proctor"
"""pluggy project name, hook prefix and entry-point group."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin hook implementations: ``@hookimpl def proctor_detectors(): ...``."""

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]
