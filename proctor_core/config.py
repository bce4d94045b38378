"""Per-exam configuration: which detectors run, their rules and points, the penalty policy, evidence keeping.

This is the pydantic edge for exam settings. Defaults come from each detector's registration record, so an
exam only states what it changes. :meth:`ExamConfig.from_preset` gives the two built-in presets:

- ``interview``: the original interview monitor's table (DESIGN §5), silence penalised;
- ``exam``: a written exam, where silence is normal: it is still recorded, as a microphone-health notice, for 0 points.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PresetName = Literal["interview", "exam"]
PRESETS: tuple[str, ...] = ("interview", "exam")


class DetectorSettings(BaseModel):
    """One detector's settings in an exam; ``None`` means the detector's registered default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    threshold_s: float | None = Field(None, ge=0, le=3600, description="Condition must last longer than this")
    cooldown_s: float | None = Field(None, ge=0, le=3600, description="No repeat of the same code within this")
    points: float | None = Field(None, ge=0, le=100, description="Penalty points per violation")
    options: dict[str, Any] = Field(default_factory=dict, description="The detector's own config model")


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
    keep_evidence: bool = Field(False, description="Keep a JPEG of the frame that caused a frame violation")
    evidence_retention_days: int = Field(30, ge=1, le=3650)
    analysis: Literal["server", "device"] = Field(
        "server", description="Where faces are found: 'server' (frames sent) or 'device' (verdicts sent, spot-checked)"
    )

    @classmethod
    def from_preset(cls, name: str) -> ExamConfig:
        """The named preset (``interview`` or ``exam``); raises ``ValueError`` listing the presets otherwise."""
        if name == "interview":
            return cls(preset="interview")
        if name == "exam":
            return cls(preset="exam", detectors={"silence": DetectorSettings(points=0)})
        raise ValueError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
