/**
 * Page events: the tab hidden or shown (`visibilitychange`, the reliable tab-switch signal) and, optionally, the
 * window losing or regaining focus. The server merges a blur and a hide that belong together into one switch.
 *
 * A page being unloaded (a link followed, the next page of a quiz, a reload) is not a tab switch: browsers fire
 * `pagehide` first and then the unload's `visibilitychange` (HTML, "unload a document"), so nothing is reported
 * between a `pagehide` and the next `pageshow`. Hiding the tab or leaving the window fires no `pagehide` and still
 * counts.
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
  let unloading = false;
  const handle = (event) => {
    if (unloading) return;
    const type = pageEventType(event.type, doc.visibilityState);
    if (type) callback(type, Date.now());
  };
  const onPageHide = () => {
    unloading = true;
  };
  const onPageShow = () => {
    unloading = false;
  };
  win.addEventListener("pagehide", onPageHide);
  win.addEventListener("pageshow", onPageShow);
  doc.addEventListener("visibilitychange", handle);
  if (focus) {
    win.addEventListener("blur", handle);
    win.addEventListener("focus", handle);
  }
  return () => {
    win.removeEventListener("pagehide", onPageHide);
    win.removeEventListener("pageshow", onPageShow);
    doc.removeEventListener("visibilitychange", handle);
    win.removeEventListener("blur", handle);
    win.removeEventListener("focus", handle);
  };
}
