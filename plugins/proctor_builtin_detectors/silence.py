"""Audio detector. The browser reduces each second of microphone input to ``is_silent``; no audio is sent."""

from __future__ import annotations

from proctor_core.types import AudioSample, Observation, Signal


class SilenceDetector:
    """The microphone reports silence (no audio activity)."""

    def __init__(self, config: None = None) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal:
        sample = observation.data
        assert isinstance(sample, AudioSample)
        detail = {} if sample.level is None else {"level": sample.level}
        return Signal(active=sample.is_silent, detail=detail)
