"""Frame detectors. All three read the one :class:`~proctor_core.types.FrameAnalysis` of a frame."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from proctor_core.types import CaptureQuality, FrameAnalysis, Observation, Signal


def _analysis(observation: Observation) -> FrameAnalysis:
    assert isinstance(observation.data, FrameAnalysis)
    return observation.data


class MultipleFacesDetector:
    """More than one face in the frame."""

    def __init__(self, config: None = None) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal:
        analysis = _analysis(observation)
        return Signal(active=analysis.face_count > 1, detail={"faces": analysis.face_count})


class FaceMissingDetector:
    """No face in a frame that is good enough to judge; a too dark or blurred empty frame says nothing."""

    def __init__(self, config: None = None) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal | None:
        analysis = _analysis(observation)
        if analysis.face_count == 0 and analysis.quality is not CaptureQuality.OK:
            return None
        return Signal(active=analysis.face_count == 0)


class FaceOrientationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_yaw_deg: float | None = Field(
        None, gt=0, le=90,
        description="Yaw beyond this counts as turned away; unset: the face finder's own verdict",
    )


class FaceOrientationDetector:
    """A single face turned away from the screen; frames with no face or several faces clear the condition."""

    def __init__(self, config: FaceOrientationConfig) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal | None:
        analysis = _analysis(observation)
        if analysis.face_count != 1:
            return Signal(active=False)
        face = analysis.faces[0]
        if self.config.max_yaw_deg is not None and face.yaw_deg is not None:
            turned = abs(face.yaw_deg) > self.config.max_yaw_deg
        elif face.turned is not None:
            turned = face.turned
        else:
            return None
        detail = {} if face.yaw_deg is None else {"yaw_deg": round(face.yaw_deg, 1)}
        return Signal(active=turned, detail=detail)
