"""Hook specifications: the whole plugin API of the proctoring framework.

A plugin is a module (or object) with functions named after these specs and marked with
:data:`proctor_core.hookimpl`. Third-party plugins are found through the ``proctor`` entry-point group. An
implementation may accept fewer arguments than its spec, so specs can grow without breaking plugins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

from proctor_core import PROJECT_NAME

if TYPE_CHECKING:
    from proctor_core.types import DetectorSpec, FaceFinder, PolicySpec, ScoreReport, SessionInfo, Violation

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------------------------------------
# Registration (called once, when the plugin manager is built)
# --------------------------------------------------------------------------------------------------------------------


@hookspec
def proctor_detectors() -> Iterable[DetectorSpec]:
    """Register detectors: return (or yield) :class:`~proctor_core.types.DetectorSpec` records.

    Each record names a violation code, the observation kind it consumes (``frame``, ``audio`` or ``page``), a
    factory that builds the detector from its validated config, and the default rule and points. The engine owns
    time and state; a detector only says, per observation, whether its condition holds. Names are unique across
    all plugins: a duplicate stops start-up.

    :return: an iterable of ``DetectorSpec``.

    **Example:**

    .. code-block:: python

        @hookimpl
        def proctor_detectors():
            yield DetectorSpec(name="gaze_away", consumes=ObservationKind.FRAME, factory=GazeAwayDetector,
                               config_model=GazeAwayConfig, default_rule=ViolationRule(3, 5), default_points=2)
    """


@hookspec
def proctor_penalty_policies() -> Iterable[PolicySpec]:
    """Register penalty policies: return (or yield) :class:`~proctor_core.types.PolicySpec` records.

    A policy turns a session's violations into explained :class:`~proctor_core.types.Penalty` rows; the core turns
    those into the score and risk band. Names are unique across all plugins.

    :return: an iterable of ``PolicySpec``.

    **Example:**

    .. code-block:: python

        @hookimpl
        def proctor_penalty_policies():
            yield PolicySpec(name="capped", factory=CappedPenaltyPolicy, config_model=CappedPenaltyConfig)
    """


# --------------------------------------------------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def proctor_face_finder() -> FaceFinder | None:
    """Provide the process's face finder. Stops at the first non-``None`` result.

    One finder analyses each frame once; the face-count, face-missing and orientation detectors all read its
    :class:`~proctor_core.types.FrameAnalysis`. The built-in finder is registered ``trylast``, so an installed
    plugin that returns a finder replaces it.

    :return: an object with ``name`` and ``find(frame) -> FrameAnalysis``, or ``None`` to defer.

    **Example:**

    .. code-block:: python

        @hookimpl
        def proctor_face_finder():
            return MyFaceFinder()
    """


# --------------------------------------------------------------------------------------------------------------------
# Notifications (results are ignored)
# --------------------------------------------------------------------------------------------------------------------


@hookspec
def proctor_violation_recorded(violation: Violation, session: SessionInfo) -> None:
    """Called after a violation or notice has been saved, inside the transaction that saved it.

    :param violation: the recorded violation.
    :param session: the session it belongs to.

    **Example:**

    .. code-block:: python

        @hookimpl
        def proctor_violation_recorded(violation, session):
            log.info("%s in session %s", violation.code, session.id)
    """


@hookspec
def proctor_session_scored(report: ScoreReport, session: SessionInfo) -> None:
    """Called when a session has been scored, inside the transaction that saved the score; called again with the
    new report each time a reviewer's decision re-scores the session (the latest report is the session's result).

    The LTI adapter implements it to queue the grade for the LMS gradebook.

    :param report: score, risk band and explained penalties; coverage, ``review_reasons`` (``needs_review``) and
        ``notices`` in words.
    :param session: the session that was scored.

    **Example:**

    .. code-block:: python

        @hookimpl
        def proctor_session_scored(report, session):
            send_to_gradebook(session.id, report.score)
    """
