/**
 * The score receipt: score, risk band in words and colour, monitoring coverage and any reason for review, every
 * deduction with its reason and rule, and every notice in words.
 *
 * @module ui/receipt
 */

import { codeLabel, describeBand, describeCoverage } from "../lib/status.js";
import { h } from "./dom.js";

/**
 * @param {{score: number, risk_level: string, penalties: Array<{code: string, points: number, rule?: string, reason?: string}>,
 *   coverage?: {summary?: string} | null, needs_review?: boolean, review_reasons?: string[], notices?: string[]}} report
 * @param {{resultUrl?: string}} [options] where "Continue" leads: the LMS's return URL, else the result page
 * @returns {HTMLElement}
 */
export function receiptPanel(report, { resultUrl } = {}) {
  const band = describeBand(report.risk_level);
  const watched = describeCoverage(report);
  const notices = report.notices ?? [];
  const penalties = report.penalties ?? [];
  const deducted = penalties.reduce((sum, penalty) => sum + Number(penalty.points || 0), 0);
  const number = (value) => String(Math.round(Number(value) * 100) / 100);
  return h(
    "section",
    { class: "pw-panel pw-receipt", "aria-labelledby": "pw-receipt-title", "data-pw": "receipt" },
    h("h2", { id: "pw-receipt-title" }, "Monitoring ended: your score"),
    h(
      "p",
      { class: "pw-score" },
      h(
        "span",
        { class: "pw-score-value", "data-pw": "score", "data-score": String(report.score) },
        number(report.score),
      ),
      h("span", { class: "pw-score-max" }, " / 100"),
    ),
    h(
      "p",
      { class: `pw-band pw-tone-${band.tone}`, "data-pw": "band", "data-band": report.risk_level },
      h("span", { class: "pw-icon", "aria-hidden": "true" }, band.icon),
      ` Risk band: ${band.text}`,
    ),
    watched.coverage
      ? h("p", { class: `pw-coverage pw-tone-${watched.tone}`, "data-pw": "coverage" }, watched.coverage)
      : null,
    watched.reasons.length
      ? h(
          "div",
          { class: "pw-review", role: "note", "data-pw": "review" },
          h("p", null, h("strong", null, "Marked for review by a person:")),
          h("ul", null, ...watched.reasons.map((reason) => h("li", null, reason))),
        )
      : null,
    penalties.length
      ? h(
          "div",
          { class: "pw-table-scroll" },
          penaltyTable(penalties, `Deductions: ${number(deducted)} points in total`, number),
        )
      : h("p", null, watched.noDeductions),
    notices.length
      ? h(
          "div",
          { class: "pw-notices", "data-pw": "notices" },
          h("h3", null, "Notices (no points)"),
          h("ul", null, ...notices.map((notice) => h("li", null, notice))),
        )
      : null,
    resultUrl ? h("p", null, h("a", { href: resultUrl, class: "pw-button", "data-pw": "continue" }, "Continue")) : null,
  );
}

/**
 * The deductions, one row each; inside a scroll box of its own, so a narrow frame never scrolls sideways.
 * @param {Array<{code: string, points: number, rule?: string, reason?: string}>} penalties
 * @param {string} caption
 * @param {(value: number) => string} number
 */
function penaltyTable(penalties, caption, number) {
  return h(
    "table",
    { class: "pw-penalties" },
    h("caption", null, caption),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, "What"),
        h("th", { scope: "col" }, "Reason"),
        h("th", { scope: "col" }, "Rule"),
        h("th", { scope: "col", class: "pw-num" }, "Points"),
      ),
    ),
    h(
      "tbody",
      null,
      ...penalties.map((penalty) =>
        h(
          "tr",
          { "data-code": penalty.code },
          h("td", null, codeLabel(penalty.code)),
          h("td", null, penalty.reason ?? ""),
          h("td", null, penalty.rule ?? ""),
          h("td", { class: "pw-num" }, `−${number(penalty.points)}`),
        ),
      ),
    ),
  );
}

/**
 * A final message when no receipt can be shown (e.g. the link is no longer valid).
 * @param {string} title
 * @param {string} text
 */
export function messagePanel(title, text) {
  return h(
    "section",
    { class: "pw-panel", "aria-labelledby": "pw-message-title", "data-pw": "message" },
    h("h2", { id: "pw-message-title" }, title),
    h("p", null, text),
  );
}
