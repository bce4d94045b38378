"""Monitoring coverage: how much of a session a working camera and a working microphone really watched.

The engine keeps one :class:`DeviceTrack` per device in the session state and advances it with each observation
it judges, so measuring coverage at the end costs nothing per frame and no query. A frame counts for the camera
when it is good enough to judge (:attr:`~proctor_core.types.CaptureQuality.OK`): a covered lens or a dark room
gives frames, but no watching. Any audio report counts for the microphone (silence is the silence detector's).

Two working observations no more than ``max_gap_s`` apart cover the time between them; a longer interval is a gap.
At the end, the time from the start of monitoring to the first working observation, and from the last one to the
end, count the same way; a device that never worked leaves the whole monitored time uncovered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from proctor_core.types import AudioSample, CaptureQuality, Coverage, FrameAnalysis, ObservationData

CAMERA, MICROPHONE = "camera", "microphone"


@dataclass(frozen=True, slots=True)
class DeviceTrack:
    """One device's working observations so far: how many, first and last time, covered seconds, gaps between them."""

    first_at: float
    last_at: float
    count: int = 1
    covered_s: float = 0.0
    gaps: int = 0
    longest_gap_s: float = 0.0

    def advance(self, at: float, max_gap_s: float) -> DeviceTrack:
        """The track after a working observation judged at ``at`` (never before :attr:`last_at`)."""
        interval = max(0.0, at - self.last_at)
        if interval <= max_gap_s:
            return replace(self, last_at=at, count=self.count + 1, covered_s=self.covered_s + interval)
        return replace(
            self, last_at=at, count=self.count + 1, gaps=self.gaps + 1, longest_gap_s=max(self.longest_gap_s, interval)
        )

    def to_json(self) -> dict[str, float | int]:
        return {
            "first_at": self.first_at,
            "last_at": self.last_at,
            "count": self.count,
            "covered_s": self.covered_s,
            "gaps": self.gaps,
            "longest_gap_s": self.longest_gap_s,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeviceTrack:
        return cls(
            first_at=float(data["first_at"]),
            last_at=float(data["last_at"]),
            count=int(data.get("count", 1)),
            covered_s=float(data.get("covered_s", 0.0)),
            gaps=int(data.get("gaps", 0)),
            longest_gap_s=float(data.get("longest_gap_s", 0.0)),
        )


def working_device(data: ObservationData) -> str | None:
    """The device this observation shows working, if any."""
    if isinstance(data, FrameAnalysis):
        return CAMERA if data.quality is CaptureQuality.OK else None
    if isinstance(data, AudioSample):
        return MICROPHONE
    return None


def track_device(tracks: Mapping[str, DeviceTrack], device: str, at: float, max_gap_s: float) -> dict[str, DeviceTrack]:
    """The tracks after a working observation of ``device`` judged at ``at``."""
    current = tracks.get(device)
    updated = dict(tracks)
    updated[device] = DeviceTrack(first_at=at, last_at=at) if current is None else current.advance(at, max_gap_s)
    return updated


def measure_coverage(tracks: Mapping[str, DeviceTrack], *, start: float, end: float, max_gap_s: float) -> Coverage:
    """Coverage of the monitored time ``[start, end]``, closing each device's track at both ends."""
    monitored = max(0.0, end - start)
    camera = _close(tracks.get(CAMERA), start, end, max_gap_s)
    microphone = _close(tracks.get(MICROPHONE), start, end, max_gap_s)
    return Coverage(
        monitored_s=monitored,
        camera_s=min(camera.covered_s, monitored),
        microphone_s=min(microphone.covered_s, monitored),
        gaps=camera.gaps,
        longest_gap_s=camera.longest_gap_s,
        camera_frames=camera.count,
        microphone_reports=microphone.count,
    )


def _close(device: DeviceTrack | None, start: float, end: float, max_gap_s: float) -> DeviceTrack:
    if device is None:
        whole = max(0.0, end - start)
        return DeviceTrack(first_at=start, last_at=start, count=0, gaps=int(whole > 0), longest_gap_s=whole)
    head = DeviceTrack(first_at=start, last_at=start).advance(device.first_at, max_gap_s)
    closed = replace(
        device,
        covered_s=device.covered_s + head.covered_s,
        gaps=device.gaps + head.gaps,
        longest_gap_s=max(device.longest_gap_s, head.longest_gap_s),
    )
    return replace(closed.advance(max(end, closed.last_at), max_gap_s), count=device.count)
