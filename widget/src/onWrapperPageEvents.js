/**
 * Page events of the exam-wrapper page, where the exam runs in a frame beside the widget.
 *
 * There, window `blur` fires each time the candidate clicks into the exam, which is not leaving. What tells the two
 * apart is `document.hasFocus()`: it stays true while focus is in the page or in a frame inside it, and turns
 * false only when another window, tab or application takes the focus. So `tab_hidden`/`tab_visible` come from
 * `visibilitychange` as everywhere, and `window_blur`/`window_focus` from changes of `hasFocus()`, read shortly
 * after each `blur`/`focus` event and every `pollMs` (focus moving out of the exam frame fires no event in this
 * page). A loss of focus is reported only when two reads in a row agree, so the instant in which focus travels
 * into the frame is never taken for leaving.
 *
 * A wrapper page that is itself inside a frame (an LMS's) reports only visibility, as {@link onPageEvents} does in a
 * frame: there the page loses the focus whenever the candidate clicks the LMS page around it.
 *
 * @module onWrapperPageEvents
 */

import { onPageEvents } from "./onPageEvents.js";

/**
 * Same contract as {@link onPageEvents}: `callback(type, capturedAtMs)` for `tab_hidden`, `tab_visible`,
 * `window_blur` and `window_focus`; returns a function that stops listening.
 *
 * @param {(type: string, capturedAtMs: number) => void} callback
 * @param {{document?: Document, window?: Window, focus?: boolean, pollMs?: number, settleMs?: number}} [options]
 *   `focus`: also report the window losing and regaining the focus; default: only when the page is not in a frame
 * @returns {() => void}
 */
export function onWrapperPageEvents(
  callback,
  { document: doc = document, window: win = window, focus = win.top === win, pollMs = 500, settleMs = 250 } = {},
) {
  const stopVisibility = onPageEvents(callback, { document: doc, window: win, focus: false });
  if (!focus) return stopVisibility;
  let focused = doc.hasFocus();
  let suspect = false;
  const check = () => {
    if (doc.hasFocus()) {
      suspect = false;
      if (!focused) {
        focused = true;
        callback("window_focus", Date.now());
      }
    } else if (focused && suspect) {
      suspect = false;
      focused = false;
      callback("window_blur", Date.now());
    } else if (focused) {
      suspect = true;
    }
  };
  const timers = new Set();
  const later = () => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      check();
    }, settleMs);
    timers.add(timer);
  };
  const poll = setInterval(check, pollMs);
  win.addEventListener("blur", later);
  win.addEventListener("focus", later);
  return () => {
    stopVisibility();
    clearInterval(poll);
    timers.forEach((timer) => clearTimeout(timer));
    win.removeEventListener("blur", later);
    win.removeEventListener("focus", later);
  };
}
