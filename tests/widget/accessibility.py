"""axe-core in the browser suite: every view checked, no serious or critical violation.

axe-core comes from the npm registry, pinned in tests/widget/axe/package.json and installed by
``npm ci --prefix tests/widget/axe`` (a set-up step of the test run). Its source is evaluated through the DevTools
protocol, which the pages' strict Content-Security-Policy does not apply to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`);
}"""


def serious_violations(frame: Any) -> list[str]:
    """The serious and critical axe-core violations of the document in ``frame`` (a Page or a Frame)."""
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.evaluate(AXE.read_text())
    return frame.evaluate(RUN)
