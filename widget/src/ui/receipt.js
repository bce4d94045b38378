/**
 * The score receipt: score, risk band in words and colour, monitoring coverage and any reason for review, every
 * deduction in words with what it costs and a total, and every notice in words. The widget shows it when a
 * session ends and the result page (`/s/<id>/result`, see result-page.js) draws it with this same function, so
 * the two are one design. The words come from the service (`receipt` in the score report); the times are shown
 * in the reader's own time zone.
 *
 * @module ui/receipt
 */

import { describeBand, describeCoverage } from "../lib/status.js";
import { h } from "./dom.js";

/**
 * @typedef {{code: string, at: string, description: string, rule: string, points: number, notice: boolean}} Line
 * @typedef {{score: number, risk_level: string, receipt?: Line[], coverage?: {summary?: string} | null,
 *   needs_review?: boolean, review_reasons?: string[]}} Report
 */

/** The receipt's deduction table: its column headings, in order (the service's tests read this list). */
export const RECEIPT_COLUMNS = Object.freeze(["What happened", "How it counts", "Points"]);

/**
 * A time as the reader's clock shows it, e.g. `14:25:27`.
 * @param {string} iso
 * @param {string} [timeZone] default: the browser's
 */
export function clockTime(iso, timeZone) {
  const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone };
  return new Date(iso).toLocaleTimeString("en-GB", options);
}

/**
 * One line in words: "No face seen for 6 s at 14:25:27".
 * @param {Line} line
 * @param {string} [timeZone]
 */
export function lineSentence(line, timeZone) {
  return `${line.description} at ${clockTime(line.at, timeZone)}`;
}

const number = (value) => String(Math.round(Number(value) * 100) / 100);

/**
 * @param {Report} report
 * @param {{title?: string, about?: string, note?: string, continueUrl?: string, continueText?: string,
 *   timeZone?: string}} [options] `title` of the panel; `about` a line under it (whose result this is); `note` a
 *   remark such as a reviewer's decision; `continueUrl` where the way on leads (the LMS's return URL, the result
 *   page, the start page) and `continueText` its words; without a link the candidate is told the page may be
 *   closed
 * @returns {HTMLElement}
 */
export function receiptPanel(report, options = {}) {
  const { title = "Monitoring ended: your score", about, note, continueUrl, continueText = "Continue", timeZone } =
    options;
  const band = describeBand(report.risk_level);
  const watched = describeCoverage(report);
  const lines = report.receipt ?? [];
  const deductions = lines.filter((line) => !line.notice);
  const notices = lines.filter((line) => line.notice);
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return h(
    "section",
    { class: "pw-panel pw-receipt", "aria-labelledby": "pw-receipt-title", "data-pw": "receipt" },
    h("h2", { id: "pw-receipt-title" }, title),
    about ? h("p", { class: "pw-about", "data-pw": "about" }, about) : null,
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
    note ? h("p", { "data-pw": "note" }, note) : null,
    deductions.length
      ? h("div", { class: "pw-table-scroll" }, deductionTable(deductions, zone))
      : h("p", { "data-pw": "no-deductions" }, watched.noDeductions),
    notices.length
      ? h(
          "div",
          { class: "pw-notices", "data-pw": "notices" },
          h("h3", null, "Notices (no points)"),
          h(
            "ul",
            null,
            ...notices.map((line) => h("li", { "data-code": line.code }, lineSentence(line, zone))),
          ),
        )
      : null,
    lines.length ? h("p", { class: "pw-zone", "data-pw": "zone" }, `Times are in your time zone (${zone}).`) : null,
    continueUrl
      ? h("p", null, h("a", { href: continueUrl, class: "pw-button", "data-pw": "continue" }, continueText))
      : h("p", { "data-pw": "close" }, "You can close this page now."),
  );
}

/**
 * The deductions, one row each, and their total; inside a scroll box of its own, so a narrow frame never scrolls
 * sideways.
 * @param {Line[]} lines
 * @param {string} timeZone
 */
function deductionTable(lines, timeZone) {
  const total = lines.reduce((sum, line) => sum + Number(line.points || 0), 0);
  const [what, how, points] = RECEIPT_COLUMNS;
  return h(
    "table",
    { class: "pw-penalties" },
    h("caption", null, "Deductions"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, what),
        h("th", { scope: "col" }, how),
        h("th", { scope: "col", class: "pw-num" }, points),
      ),
    ),
    h(
      "tbody",
      null,
      ...lines.map((line) =>
        h(
          "tr",
          { "data-code": line.code },
          h("td", null, lineSentence(line, timeZone)),
          h("td", null, line.rule),
          h("td", { class: "pw-num" }, `−${number(line.points)}`),
        ),
      ),
    ),
    h(
      "tfoot",
      null,
      h(
        "tr",
        { "data-pw": "total" },
        h("th", { scope: "row", colspan: "2" }, "Total deducted"),
        h("td", { class: "pw-num" }, `−${number(total)}`),
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
