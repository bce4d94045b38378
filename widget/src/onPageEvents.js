/**
 * Page events: the tab hidden or shown (`visibilitychange`, the reliable tab-switch signal) and, optionally, the
 * window losing or regaining focus. The server merges a blur and a hide that belong together into one switch.
 *
 * @module onPageEvents
 */

import { pageEventType } from "./lib/events.js";

/**
 * @typedef {object} PageEventsOptions
 * @property {boolean} [focus] also report window blur/focus. `blur` also fires when focus moves into a frame, or,
 *   for a widget inside an LMS iframe, whenever the candidate clicks the surrounding exam page; so the default is
 *   to report focus only when the widget is the top-level page.
 * @property {Document} [document]
 * @property {Window} [window]
 */

/**
 * Call `callback(type, capturedAtMs)` at once for each page event: `tab_hidden`, `tab_visible`, `window_blur`,
 * `window_focus`.
 *
 * @param {(type: string, capturedAtMs: number) => void} callback
 * @param {PageEventsOptions} [options]
 * @returns {() => void} stop listening
 */
export function onPageEvents(
  callback,
  { document: doc = document, window: win = window, focus = win.top === win } = {},
) {
  const handle = (event) => {
    const type = pageEventType(event.type, doc.visibilityState);
    if (type) callback(type, Date.now());
  };
  doc.addEventListener("visibilitychange", handle);
  if (focus) {
    win.addEventListener("blur", handle);
    win.addEventListener("focus", handle);
  }
  return () => {
    doc.removeEventListener("visibilitychange", handle);
    win.removeEventListener("blur", handle);
    win.removeEventListener("focus", handle);
  };
}
