/**
 * Entry of the monitoring page (template `proctor/monitor.html`): mounts the widget from the data attributes of
 * `#proctor-widget`. A token in the URL fragment (`#token=...`, never sent to a server) takes precedence and is
 * removed from the address bar at once, so it stays out of history and bookmarks. The token is kept in the tab's
 * sessionStorage for the sitting (see lib/sitting.js): the page `/s/<id>/monitor` carries none, so a reload finds
 * it there and resumes the same session; a page opened without any token says how to get back in.
 *
 * @module monitor-page
 */

import { mountProctorWidget } from "./index.js";
import { recallToken, rememberToken } from "./lib/sitting.js";
import { showPanel } from "./ui/dom.js";
import { messagePanel } from "./ui/receipt.js";

/**
 * Split a URL fragment into the token it carries and the rest of it.
 * @param {string} hash `location.hash`, e.g. `#token=abc&x=1`
 * @returns {{token: string | null, rest: string}} `rest` is the fragment without the token (`""` or `#...`)
 */
export function takeFragmentToken(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token");
  params.delete("token");
  const rest = params.toString();
  return { token, rest: rest ? `#${rest}` : "" };
}

const NO_TOKEN =
  "The address of a monitoring page carries its access key after a # sign, and this tab has none kept. " +
  "Open the page again from the link or start page you were given.";

/**
 * @param {HTMLElement} element carries `data-session-id`, `data-token`, `data-api-base`, `data-exam-title`,
 *   `data-result-url` and, when known, `data-keep-evidence` (`true`/`false`) and `data-evidence-retention-days`;
 *   an LMS launch adds `data-lms="true"`, if the platform named one `data-return-url`, and for a quiz-linked
 *   activity `data-endable="false"` (submitting the attempt ends the session)
 * @param {{location?: Location, history?: History, storage?: Storage | null} &
 *   Partial<import("./index.js").WidgetOptions>} [options] and further widget options; `storage`: where the token
 *   is kept for the sitting (default sessionStorage)
 */
export function mountMonitorPage(element, { location = window.location, history = window.history, ...rest } = {}) {
  const { storage, ...options } = rest;
  const fragment = takeFragmentToken(location.hash);
  if (fragment.token) history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment.rest}`);
  const { sessionId, apiBase, examTitle, resultUrl, returnUrl, lms, endable } = element.dataset;
  const { keepEvidence, evidenceRetentionDays } = element.dataset;
  const token = fragment.token || element.dataset.token || recallToken(sessionId, storage);
  if (!token) {
    element.classList.add("proctor-widget");
    showPanel(element, messagePanel("This link has no access key", NO_TOKEN), { focus: false });
    return null;
  }
  rememberToken(sessionId, token, storage);
  element.dataset.token = token;
  return mountProctorWidget(element, {
    apiBase,
    sessionId,
    token,
    examTitle,
    resultUrl: resultUrl || undefined,
    reportResume: lms !== "true",
    returnUrl: returnUrl || undefined,
    lms: lms === "true",
    endable: endable !== "false",
    keepEvidence: keepEvidence === undefined ? null : keepEvidence === "true",
    evidenceRetentionDays: evidenceRetentionDays ? Number(evidenceRetentionDays) : null,
    ...options,
  });
}

const element = globalThis.document?.getElementById("proctor-widget");
if (element) mountMonitorPage(element);
