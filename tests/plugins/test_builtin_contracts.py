"""Every built-in detector and policy passes the contract a third-party plugin is held to."""

import proctor_builtin_detectors
import proctor_builtin_policies
from proctor_core.testing import DetectorContract, PolicyContract, analysis, audio, face, page


class TestMultipleFaces(DetectorContract):
    plugin, name = proctor_builtin_detectors, "multiple_faces"
    cases = [(analysis(faces=[face(), face(x=400)]), True), (analysis(faces=[face()]), False),
             (analysis(faces=[]), False)]


class TestFaceMissing(DetectorContract):
    plugin, name = proctor_builtin_detectors, "face_missing"
    cases = [(analysis(faces=[]), True), (analysis(faces=[face()]), False),
             (analysis(faces=[], quality="too_dark"), None), (analysis(faces=[], quality="blurred"), None)]


class TestFaceOrientation(DetectorContract):
    plugin, name = proctor_builtin_detectors, "face_orientation"
    cases = [(analysis(faces=[face(yaw_deg=50)]), True), (analysis(faces=[face(yaw_deg=5)]), False),
             (analysis(faces=[face()]), None), (analysis(faces=[]), False)]


class TestSilence(DetectorContract):
    plugin, name = proctor_builtin_detectors, "silence"
    cases = [(audio(silent=True), True), (audio(silent=False, level=30), False)]


class TestTabSwitch(DetectorContract):
    plugin, name = proctor_builtin_detectors, "tab_switch"
    cases = [(page("tab_hidden"), True), (page("window_blur"), True), (page("tab_visible"), False),
             (page("window_focus"), False), (page("camera_unavailable"), None)]


class TestCameraUnavailable(DetectorContract):
    plugin, name = proctor_builtin_detectors, "camera_unavailable"
    cases = [(page("camera_unavailable"), True), (page("tab_hidden"), None)]


class TestMicrophoneUnavailable(DetectorContract):
    plugin, name = proctor_builtin_detectors, "microphone_unavailable"
    cases = [(page("microphone_unavailable"), True), (page("camera_unavailable"), None)]


class TestPermissionRevoked(DetectorContract):
    plugin, name = proctor_builtin_detectors, "permission_revoked"
    cases = [(page("permission_revoked"), True), (page("tab_visible"), None)]


class TestSessionResumed(DetectorContract):
    plugin, name = proctor_builtin_detectors, "session_resumed"
    cases = [(page("session_resumed"), True), (page("tab_hidden"), None)]


class TestObservationsLost(DetectorContract):
    plugin, name = proctor_builtin_detectors, "observations_lost"
    cases = [(page("observations_lost"), True), (page("session_resumed"), None)]


class TestMonitoringGap(DetectorContract):
    plugin, name = proctor_builtin_detectors, "monitoring_gap"
    cases = [(analysis(faces=[face()]), False)]


class TestFlatPolicy(PolicyContract):
    plugin, name = proctor_builtin_policies, "flat"


class TestCappedPolicy(PolicyContract):
    plugin, name = proctor_builtin_policies, "capped"


class TestEpisodePolicy(PolicyContract):
    plugin, name = proctor_builtin_policies, "episode"
