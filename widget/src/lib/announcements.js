/**
 * The service's answers, told to the candidate: a frame's `face_status` sets the monitoring view's face line, and
 * each violation or notice gives a toast and a line under "Recorded so far", once. The same violation can come
 * back (a replayed answer), and then shows nothing new. What is recorded before the monitoring view exists (a
 * device notice during the check) is kept and listed when the view is shown, so the view never says "Nothing
 * recorded" under a toast.
 *
 * @module lib/announcements
 */

import { describeViolation } from "./status.js";

/**
 * @typedef {{id: string, code: string, notice?: boolean, detail?: {lasted_s?: number}}} Recorded
 * @typedef {{setFace: (faceStatus: string) => void, addRecorded: (violation: Recorded) => void}} AnswerView the
 *   parts of the monitoring view (ui/monitor.js) that answers change
 * @typedef {{show: (key: string, view: {title: string, text: string, tone: string}) => void}} Toasts
 */

/**
 * @typedef {object} Announcements
 * @property {(stream: string, answer: any) => void} showAnswer show one answer of the service, for the stream
 *   whose observation it answers (`frames` answers carry the face status)
 * @property {(view: AnswerView) => void} showIn monitoring started: list what was recorded so far in `view`, and
 *   show further answers there
 */

/**
 * @param {Toasts} toasts where violations are announced (ui/toasts.js)
 * @returns {Announcements}
 */
export function createAnnouncements(toasts) {
  const toasted = new Set(); // violation ids already shown: a replayed answer shows nothing new
  /** @type {Recorded[]} */
  const recordedSoFar = []; // what was announced, also before the monitoring view existed
  /** @type {AnswerView | null} */
  let view = null;

  /** @param {Recorded} violation */
  function announce(violation) {
    if (toasted.has(violation.id)) return;
    toasted.add(violation.id);
    recordedSoFar.push(violation);
    view?.addRecorded(violation);
    toasts.show(violation.code, describeViolation(violation));
  }

  return {
    showAnswer(stream, answer) {
      if (stream === "frames" && answer?.face_status) view?.setFace(answer.face_status);
      for (const violation of answer?.violations ?? []) announce(violation);
    },
    showIn(monitorView) {
      view = monitorView;
      recordedSoFar.forEach((violation) => monitorView.addRecorded(violation)); // never "Nothing recorded" under a toast
    },
  };
}
