"""proctor-gaze: flags a single face whose head turn (yaw) is beyond a limit."""

from pydantic import BaseModel, Field

from proctor_core import hookimpl
from proctor_core.types import DetectorSpec, FrameAnalysis, Observation, ObservationKind, Signal, ViolationRule


class GazeAwayConfig(BaseModel):
    max_yaw_deg: float = Field(35.0, gt=0, le=90, description="Yaw beyond this counts as looking away")


class GazeAwayDetector:
    """A single face looking away beyond max_yaw_deg."""

    def __init__(self, config: GazeAwayConfig) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal | None:
        analysis: FrameAnalysis = observation.data
        if analysis.face_count != 1:
            return None  # no face or several: face_missing and multiple_faces own those
        yaw = analysis.faces[0].yaw_deg
        if yaw is None:
            return None  # the installed face finder does not estimate head pose
        return Signal(active=abs(yaw) > self.config.max_yaw_deg, detail={"yaw_deg": yaw})


@hookimpl
def proctor_detectors():
    yield DetectorSpec(
        name="gaze_away",
        consumes=ObservationKind.FRAME,
        factory=GazeAwayDetector,
        config_model=GazeAwayConfig,
        default_rule=ViolationRule(threshold_s=2, cooldown_s=10),
        default_points=3,
    )
