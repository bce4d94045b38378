/**
 * Entry of the result page (template `proctor/result.html`, `/s/<id>/result?key=...`): draws the session's
 * receipt with the widget's own renderer (ui/receipt.js), from the score report the page carries as JSON (the
 * same shape as the API's `POST /sessions/{id}/end` answer), so the page and the widget's receipt are one design
 * and the times show in the reader's time zone.
 *
 * @module result-page
 */

import { showPanel } from "./ui/dom.js";
import { messagePanel, receiptPanel } from "./ui/receipt.js";

/**
 * @param {HTMLElement} element the page's `#proctor-result`, with `data-exam-title`, `data-candidate`,
 *   `data-started-at` (ISO) and, for a stand-alone exam, `data-start-url` (the way back)
 * @param {{report: any, dismissed: number} | null} result null while the session is still running
 * @param {{timeZone?: string}} [options]
 */
export function mountResultPage(element, result, { timeZone } = {}) {
  const { examTitle, candidate, startedAt, startUrl } = element.dataset;
  element.classList.add("proctor-widget");
  if (!result) {
    showPanel(
      element,
      messagePanel(`Result: ${examTitle}`, "This session is still running; its result appears here once it ends."),
      { focus: false },
    );
    return;
  }
  const started = new Date(startedAt).toLocaleString("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  });
  const dismissed = result.dismissed;
  const panel = receiptPanel(result.report, {
    title: `Result: ${examTitle}`,
    about: `${candidate} · started ${started}`,
    note: dismissed
      ? `A reviewer dismissed ${dismissed} recorded violation${dismissed === 1 ? "" : "s"}: this is the reviewed score.`
      : undefined,
    continueUrl: startUrl || undefined,
    continueText: "Back to the start page",
    timeZone,
  });
  showPanel(element, panel, { focus: false });
}

const element = globalThis.document?.getElementById("proctor-result");
const data = globalThis.document?.getElementById("proctor-result-data");
if (element && data) mountResultPage(element, JSON.parse(data.textContent));
