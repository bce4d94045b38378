"""The timeline's per-second lanes, rebuilt from violations and the engine's stream times."""

from proctor_core.service.review.timeline import build_timeline
from proctor_core.types import Violation, ViolationRule

T0 = 1000.0
ABSENT = ViolationRule(threshold_s=5, cooldown_s=2)
SILENT = ViolationRule(threshold_s=10, cooldown_s=5)


def v(code, at, rule=ViolationRule(), notice=False, **detail):
    return Violation(code=code, at=T0 + at, rule=rule, detail=detail, notice=notice, id=f"{code}{at}")


def test_lanes_per_second():
    violations = [
        v("face_missing", 12, ABSENT, lasted_s=6), v("face_missing", 14, ABSENT, lasted_s=8),
        v("multiple_faces", 20), v("monitoring_gap", 35, notice=True, gap_s=10),
        v("tab_switch", 40, ViolationRule(episode_merge_s=1)),
        v("silence", 25, SILENT, lasted_s=11), v("microphone_unavailable", 45, notice=True),
    ]
    state = {"streams": {"frame": {"first_at": T0 + 2, "last_at": T0 + 48}, "audio": {"first_at": T0 + 2,
                                                                                       "last_at": T0 + 48}}}
    timeline = build_timeline(started_at=T0, ended_at=T0 + 49, engine_state=state, violations=violations,
                              decisions={"face_missing12": "dismissed"})
    face = timeline.lane("face").states
    assert len(face) == 50
    assert face[:2] == ("unknown", "unknown") and face[2:6] == ("ok",) * 4
    assert face[6:15] == ("none",) * 9 and face[15] == "ok" and face[20] == "several"
    assert face[25:36] == ("unknown",) * 11 and face[36:49] == ("ok",) * 13 and face[49] == "unknown"
    audio = timeline.lane("audio").states
    assert audio[14:26] == ("silent",) * 12 and audio[13] == "active" and audio[45:] == ("unavailable",) * 5
    assert timeline.lane("page").states[40] == "away" and timeline.lane("page").states.count("away") == 1
    assert timeline.lane("gaps").states.count("gap") == 11
    assert timeline.lane("devices").states[45] == "problem"
    marks = {m.violation_id: m.state for m in timeline.marks}
    assert marks["face_missing12"] == "dismissed" and marks["face_missing14"] == "pending"
    assert marks["monitoring_gap35"] == "notice"
    assert abs(sum(s.width for s in timeline.lane("face").segments) - timeline.width) < 0.05


def test_garbage_engine_state_and_no_streams():
    """A session that never sent a frame: everything unknown, nothing crashes on odd stored state."""
    for state in ({}, {"streams": {"frame": {"first_at": "x"}}}, {"streams": None}, []):
        timeline = build_timeline(started_at=T0, ended_at=T0 + 5, engine_state=state, violations=[], decisions={})
        assert set(timeline.lane("face").states) == {"unknown"}
        assert set(timeline.lane("gaps").states) == {"no frames"}
