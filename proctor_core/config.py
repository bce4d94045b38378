"""Per-exam configuration: which detectors run, their rules and points, the penalty policy, evidence keeping.

This is the pydantic edge for exam settings. Defaults come from each detector's registration record, so an
exam only states what it changes. :meth:`ExamConfig.from_preset` gives the two built-in presets:

- ``interview``: the original interview monitor's table (DESIGN §5), silence penalised;
- ``exam``: a written exam, where silence is normal: it is recorded as a microphone-health notice (0 points)
  everywhere: stored, shown by the widget and listed on the receipt as a notice; scored by the ``episode`` policy
  (one deduction per continuous absence or away episode).

Whether a detector's records are violations or notices is the exam's decision (``notice``); a notice never costs
points. The ``coverage`` rule decides what too little monitoring means: by default a session whose camera
watched less than 80% of the monitored time cannot be green and is marked for review.

``exam_url`` names a web exam the service shows framed under the widget (see :mod:`proctor_core.exam_address`).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proctor_core.exam_address import check_exam_address

PresetName = Literal["interview", "exam"]
PRESETS: tuple[str, ...] = get_args(PresetName)
"""The preset names, in the order of :data:`PresetName`."""


class DetectorSettings(BaseModel):
    """One detector's settings in an exam; ``None`` means the detector's registered default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    threshold_s: float | None = Field(None, ge=0, le=3600, description="Condition must last longer than this")
    cooldown_s: float | None = Field(None, ge=0, le=3600, description="No repeat of the same code within this")
    points: float | None = Field(None, ge=0, le=100, description="Penalty points per violation")
    notice: bool | None = Field(
        None, description="Record as a notice (shown, never scored) instead of a violation; unset: the detector's own"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="The detector's own config model")

    @model_validator(mode="after")
    def _notices_cost_nothing(self) -> DetectorSettings:
        if self.notice and self.points:
            raise ValueError("a notice costs no points: set points to 0 or leave it unset, or set notice to false")
        return self


class CoverageRule(BaseModel):
    """What poor monitoring coverage means for an exam: below a minimum share, a session is capped at yellow and
    marked for review, with the reason in words. A minimum of 0 turns that check off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_camera_coverage: float = Field(
        0.8, ge=0, le=1, description="Least share of the monitored time a working camera must cover"
    )
    min_microphone_coverage: float = Field(
        0.0, ge=0, le=1, description="Least share of the monitored time a working microphone must cover"
    )
    max_gap_s: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="Longest interval between two working observations that still counts as covered",
    )


class PolicySettings(BaseModel):
    """The penalty policy of an exam, by registered name, with its own options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "flat"
    options: dict[str, Any] = Field(default_factory=dict)


class ExamConfig(BaseModel):
    """Rules of one proctored exam. Detectors not listed run with their registered defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: PresetName = "interview"
    detectors: dict[str, DetectorSettings] = Field(default_factory=dict)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    max_buffer_s: float = Field(
        300.0, ge=0, le=3600,
        description="Oldest capture time accepted, in seconds before the server receives it (buffered through an "
        "outage); anything older, or out of order, is judged when it arrives",
    )
    coverage: CoverageRule = Field(default_factory=CoverageRule)
    keep_evidence: bool = Field(False, description="Keep a JPEG of the frame that caused a frame violation")
    evidence_retention_days: int = Field(30, ge=1, le=3650)
    exam_url: str | None = Field(
        None, description="Address of a web exam shown framed under the widget (the exam-wrapper page)"
    )
    data_retention_days: int | None = Field(
        None, ge=1, le=36500, description="Delete ended sessions, their violations and candidates after this"
    )
    analysis: Literal["server", "device"] = Field(
        "server", description="Where faces are found: 'server' (frames sent) or 'device' (verdicts sent, spot-checked)"
    )

    @field_validator("exam_url")
    @classmethod
    def _exam_address(cls, value: str | None) -> str | None:
        """Structurally valid here; whether loopback ``http`` is allowed is the service's decision at its edges."""
        return None if value is None else check_exam_address(value, allow_loopback_http=True)

    @model_validator(mode="before")
    @classmethod
    def _silence_notice_of_older_exam_presets(cls, data: Any) -> Any:
        """Before notices were per exam, the ``exam`` preset wrote silence as ``{"points": 0}`` (and so did LMS
        links and saved exams made from it): read that as the preset's notice, as it was always meant."""
        if not isinstance(data, dict) or data.get("preset") != "exam" or not isinstance(data.get("detectors"), dict):
            return data
        silence = data["detectors"].get("silence")
        if isinstance(silence, dict) and silence.get("points") == 0 and silence.get("notice") is None:
            return {**data, "detectors": {**data["detectors"], "silence": {**silence, "notice": True}}}
        return data

    @classmethod
    def from_preset(cls, name: str) -> ExamConfig:
        """The named preset (``interview`` or ``exam``); raises ``ValueError`` listing the presets otherwise."""
        if name == "interview":
            return cls(preset="interview")
        if name == "exam":
            return cls(
                preset="exam",
                detectors={"silence": DetectorSettings(notice=True)},
                policy=PolicySettings(name="episode"),
            )
        raise ValueError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
