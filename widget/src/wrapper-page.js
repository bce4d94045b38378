/**
 * Entry of the exam-wrapper page (template `proctor/wrapper.html`): the widget docked beside the exam's frame.
 *
 * The exam frame is created only when monitoring starts (after consent and the device check) and removed as soon
 * as the session ends or monitoring stops, so the exam is never usable unmonitored from this page. Focus moving
 * into the exam frame is not leaving the page (see {@link module:onWrapperPageEvents}).
 *
 * @module wrapper-page
 */

import { mountMonitorPage } from "./monitor-page.js";
import { onWrapperPageEvents } from "./onWrapperPageEvents.js";

/**
 * @param {HTMLElement} element the widget's element (data attributes as for {@link mountMonitorPage})
 * @param {HTMLElement} slot where the exam frame goes; carries `data-exam-url`, `data-exam-sandbox`
 * @param {{document?: Document, location?: Location, history?: History}} [options]
 */
export function mountWrapperPage(element, slot, { document: doc = document, ...pageOptions } = {}) {
  const { examUrl, examSandbox } = slot.dataset;
  /** @type {HTMLIFrameElement | null} */
  let frame = null;

  function openExam() {
    if (frame) return;
    frame = doc.createElement("iframe");
    frame.setAttribute("sandbox", examSandbox ?? "");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.setAttribute("allow", "camera 'none'; microphone 'none'; display-capture 'none'");
    frame.title = slot.getAttribute("aria-label") || "Exam";
    frame.dataset.pw = "exam-frame";
    frame.src = examUrl;
    slot.append(frame);
    doc.body.classList.add("pw-wrapper--exam");
  }

  function closeExam() {
    frame?.remove();
    frame = null;
    doc.body.classList.remove("pw-wrapper--exam");
  }

  return mountMonitorPage(element, {
    ...pageOptions,
    pageEvents: onWrapperPageEvents,
    onMonitoring: openExam,
    onStop: closeExam,
  });
}

const element = globalThis.document?.getElementById("proctor-wrapper-widget");
const slot = globalThis.document?.getElementById("proctor-exam");
if (element && slot) mountWrapperPage(element, slot);
