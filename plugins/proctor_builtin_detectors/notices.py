"""Notices: recorded and shown to reviewers, 0 points by default.

A proctor that quietly stops seeing looks like a compliant candidate, so lost devices and gaps are events too.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from proctor_core.types import Observation, PageEvent, PageEventType, Signal


class MonitoringGapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_gap_s: float = Field(10.0, gt=0, le=3600, description="Longest expected time between two frames")


class MonitoringGapDetector:
    """No frame for longer than ``max_gap_s`` (judged at capture time, so buffered frames leave no gap)."""

    def __init__(self, config: MonitoringGapConfig) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal:
        gap = observation.since_previous_s
        if gap is None or gap <= self.config.max_gap_s:
            return Signal(active=False, detail={})
        return Signal(active=True, detail={"gap_s": round(gap, 3)})


class _PageNotice:
    event: PageEventType

    def __init__(self, config: None = None) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal | None:
        event = observation.data
        assert isinstance(event, PageEvent)
        return Signal(active=True) if event.type is self.event else None


class CameraUnavailableDetector(_PageNotice):
    """The browser reports that the camera is missing, denied or stopped."""

    event = PageEventType.CAMERA_UNAVAILABLE


class MicrophoneUnavailableDetector(_PageNotice):
    """The browser reports that the microphone is missing, denied or stopped."""

    event = PageEventType.MICROPHONE_UNAVAILABLE


class PermissionRevokedDetector(_PageNotice):
    """The candidate revoked camera or microphone permission during the session."""

    event = PageEventType.PERMISSION_REVOKED


class SessionResumedDetector(_PageNotice):
    """The monitoring page was opened again within the sitting (a reload, a reopened or crashed tab): the session
    resumed where it was instead of a second one opening, and the reviewer sees that it happened."""

    event = PageEventType.SESSION_RESUMED


class ObservationsLostDetector(_PageNotice):
    """The widget gave up on observations it could not deliver (refused by the server again and again, pushed out
    of its bounded backlog, or not kept across a reload): what was lost is a gap the reviewer is told about, with
    its count per stream, never a silent one."""

    event = PageEventType.OBSERVATIONS_LOST

    def observe(self, observation: Observation) -> Signal | None:
        event = observation.data
        assert isinstance(event, PageEvent)
        if event.type is not self.event:
            return None
        lost = {stream: count for stream, count in event.lost.items() if count}
        return Signal(active=True, detail={"lost": lost, "count": sum(lost.values())} if lost else {})
