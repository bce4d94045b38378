/**
 * Entry of the monitoring page (template `proctor/monitor.html`): mounts the widget from the data attributes of
 * `#proctor-widget`. A token in the URL fragment (`#token=...`, never sent to a server) takes precedence and is
 * removed from the address bar at once, so it stays out of history and bookmarks.
 *
 * @module monitor-page
 */

import { mountProctorWidget } from "./index.js";

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

/**
 * @param {HTMLElement} element carries `data-session-id`, `data-token`, `data-api-base`, `data-exam-title`,
 *   `data-result-url` and, when known, `data-keep-evidence` (`true`/`false`) and `data-evidence-retention-days`;
 *   an LMS launch adds `data-lms="true"`, if the platform named one `data-return-url`, and for a quiz-linked
 *   activity `data-endable="false"` (submitting the attempt ends the session)
 * @param {{location?: Location, history?: History} & Partial<import("./index.js").WidgetOptions>} [options] and
 *   further widget options
 */
export function mountMonitorPage(element, { location = window.location, history = window.history, ...options } = {}) {
  const fragment = takeFragmentToken(location.hash);
  if (fragment.token) history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment.rest}`);
  const { sessionId, apiBase, examTitle, resultUrl, returnUrl, lms, endable } = element.dataset;
  const { keepEvidence, evidenceRetentionDays } = element.dataset;
  return mountProctorWidget(element, {
    apiBase,
    sessionId,
    token: fragment.token || element.dataset.token,
    examTitle,
    resultUrl,
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
