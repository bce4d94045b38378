/**
 * The shape of everything the widget posts: each observation carries a `seq` and its capture time.
 *
 * @module lib/events
 */

/** Page events (REST `type`), DESIGN §7. */
export const PAGE_EVENTS = Object.freeze(["tab_hidden", "tab_visible", "window_blur", "window_focus"]);

/** Notices, posted as page events so a reviewer sees why monitoring saw nothing or that the page was reopened. */
export const NOTICES = Object.freeze([
  "camera_unavailable",
  "microphone_unavailable",
  "permission_revoked",
  "session_resumed",
  "observations_lost",
]);

/**
 * A source of sequence numbers: strictly increasing and never reused for a session, even across page reloads.
 *
 * The server recognises a retry by its `seq` and ignores it. A counter restarting at 1 after a reload would make
 * the new page's events look like retries of the old page's, so the sequence follows the clock in milliseconds
 * (one widget sends a few observations a second, far fewer than a thousand) and is bumped when two share a
 * millisecond.
 *
 * @param {() => number} [now=Date.now]
 * @param {number} [after=0] the largest seq already used (e.g. by observations kept across a reload)
 * @returns {() => number}
 */
export function createSequence(now = Date.now, after = 0) {
  let last = after;
  return () => {
    last = Math.max(last + 1, Math.floor(now()));
    return last;
  };
}

/**
 * The wire form of a capture time: POSIX seconds with millisecond precision (what the service accepts).
 * @param {number} ms epoch milliseconds
 * @returns {number}
 */
export function formatCapturedAt(ms) {
  return Math.round(ms) / 1000;
}

/**
 * Body of `POST .../events`.
 * @param {string} type one of {@link PAGE_EVENTS} or {@link NOTICES}
 * @param {number} seq
 * @param {number} capturedAtMs
 * @param {{lost?: {frames: number, audio: number, events: number}}} [extra] `lost`: for `observations_lost`, what
 *   was given up per stream
 */
export function pageEventBody(type, seq, capturedAtMs, extra = {}) {
  if (!PAGE_EVENTS.includes(type) && !NOTICES.includes(type)) throw new TypeError(`unknown page event ${type}`);
  if (extra.lost && type !== "observations_lost") throw new TypeError("lost counts belong to observations_lost");
  return { type, seq, captured_at: formatCapturedAt(capturedAtMs), ...(extra.lost ? { lost: extra.lost } : {}) };
}

/**
 * Body of `POST .../audio`: one second reduced to a flag and its average level; no audio leaves the browser.
 * @param {{is_silent: boolean, level: number}} report
 * @param {number} seq
 * @param {number} capturedAtMs
 */
export function audioBody(report, seq, capturedAtMs) {
  return {
    is_silent: Boolean(report.is_silent),
    level: report.level,
    seq,
    captured_at: formatCapturedAt(capturedAtMs),
  };
}

/**
 * Body of `POST .../frames` in its JSON form (the binary form carries `seq` and `captured_at` in the query).
 * @param {string} dataUrl `data:image/jpeg;base64,...`
 * @param {number} seq
 * @param {number} capturedAtMs
 */
export function frameBody(dataUrl, seq, capturedAtMs) {
  return { image: dataUrl, seq, captured_at: formatCapturedAt(capturedAtMs) };
}

/**
 * Which page event a DOM event means, if any.
 * @param {string} domType `visibilitychange`, `blur` or `focus`
 * @param {DocumentVisibilityState} visibilityState the document's state when it fired
 * @returns {string | null}
 */
export function pageEventType(domType, visibilityState) {
  if (domType === "visibilitychange") return visibilityState === "hidden" ? "tab_hidden" : "tab_visible";
  if (domType === "blur") return "window_blur";
  if (domType === "focus") return "window_focus";
  return null;
}
