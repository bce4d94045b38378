"""Page detector: the candidate left the exam page (tab hidden or window blurred)."""

from __future__ import annotations

from proctor_core.types import Observation, PageEvent, PageEventType, Signal

AWAY = frozenset({PageEventType.TAB_HIDDEN, PageEventType.WINDOW_BLUR})
BACK = frozenset({PageEventType.TAB_VISIBLE, PageEventType.WINDOW_FOCUS})


class TabSwitchDetector:
    """The page was hidden or lost focus; the rule counts one violation per away-episode."""

    def __init__(self, config: None = None) -> None:
        self.config = config

    def observe(self, observation: Observation) -> Signal | None:
        event = observation.data
        assert isinstance(event, PageEvent)
        if event.type in AWAY:
            return Signal(active=True, detail={"event": event.type.value})
        if event.type in BACK:
            return Signal(active=False)
        return None
