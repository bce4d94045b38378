"""Built-in detectors: the violation codes of DESIGN §5 and the monitoring notices.

Registered by module path in :data:`proctor_core.plugins.BUILTIN_PLUGINS`, through the same
``proctor_detectors`` hook a third-party plugin implements.
"""

from collections.abc import Iterator

from proctor_builtin_detectors.faces import (
    FaceMissingDetector,
    FaceOrientationConfig,
    FaceOrientationDetector,
    MultipleFacesDetector,
)
from proctor_builtin_detectors.notices import (
    CameraUnavailableDetector,
    MicrophoneUnavailableDetector,
    MonitoringGapConfig,
    MonitoringGapDetector,
    ObservationsLostDetector,
    PermissionRevokedDetector,
    SessionResumedDetector,
)
from proctor_builtin_detectors.page import TabSwitchDetector
from proctor_builtin_detectors.silence import SilenceDetector
from proctor_core import hookimpl
from proctor_core.types import DetectorSpec, ObservationKind, ViolationRule

FRAME, AUDIO, PAGE = ObservationKind.FRAME, ObservationKind.AUDIO, ObservationKind.PAGE


@hookimpl
def proctor_detectors() -> Iterator[DetectorSpec]:
    yield DetectorSpec(
        name="multiple_faces", consumes=FRAME, factory=MultipleFacesDetector,
        default_rule=ViolationRule(threshold_s=0, cooldown_s=5), default_points=10,
    )
    yield DetectorSpec(
        name="tab_switch", consumes=PAGE, factory=TabSwitchDetector,
        default_rule=ViolationRule(episode_merge_s=1.0), default_points=8,
    )
    yield DetectorSpec(
        name="face_missing", consumes=FRAME, factory=FaceMissingDetector,
        default_rule=ViolationRule(threshold_s=5, cooldown_s=2), default_points=5,
    )
    yield DetectorSpec(
        name="silence", consumes=AUDIO, factory=SilenceDetector,
        default_rule=ViolationRule(threshold_s=10, cooldown_s=5), default_points=5,
    )
    yield DetectorSpec(
        name="face_orientation", consumes=FRAME, factory=FaceOrientationDetector,
        config_model=FaceOrientationConfig, default_rule=ViolationRule(threshold_s=3, cooldown_s=5), default_points=2,
    )
    yield DetectorSpec(
        name="monitoring_gap", consumes=FRAME, factory=MonitoringGapDetector, config_model=MonitoringGapConfig,
        notice=True,
    )
    for name, factory in (
        ("camera_unavailable", CameraUnavailableDetector),
        ("microphone_unavailable", MicrophoneUnavailableDetector),
        ("permission_revoked", PermissionRevokedDetector),
        ("session_resumed", SessionResumedDetector),
    ):
        yield DetectorSpec(
            name=name, consumes=PAGE, factory=factory, default_rule=ViolationRule(cooldown_s=5), notice=True
        )
    # Each report counts losses no other report counts: none may be swallowed by a cooldown.
    yield DetectorSpec(name="observations_lost", consumes=PAGE, factory=ObservationsLostDetector, notice=True)
