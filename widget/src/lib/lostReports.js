/**
 * Observations given up (refused again and again, pushed out of the bounded backlog, or not kept across a reload)
 * are reported as the notice `observations_lost` with their count per stream, one per burst, so the reviewer sees
 * the gap; nothing is dropped in silence. This module decides when: a loss waits {@link LOST_REPORT_DELAY_MS} for
 * the losses that come with it, and the end of monitoring sends what waits at once.
 *
 * @module lib/lostReports
 */

/** Losses within this time make one `observations_lost` notice. */
export const LOST_REPORT_DELAY_MS = 1000;

/**
 * @typedef {object} LostReporter
 * @property {() => void} soon a loss happened: report within {@link LOST_REPORT_DELAY_MS}, with any that follow
 * @property {() => void} now report at once (monitoring ends), whether or not a report was waiting
 * @property {() => void} cancel forget a waiting report (the widget is removed)
 */

/**
 * @param {(capturedAtMs: number) => void} report sends the notice (the transport's `reportLost`, which sends
 *   nothing when nothing was lost)
 * @param {{delayMs?: number, now?: () => number, setTimer?: (fn: () => void, ms: number) => any,
 *   clearTimer?: (id: any) => void}} [options]
 * @returns {LostReporter}
 */
export function createLostReporter(
  report,
  {
    delayMs = LOST_REPORT_DELAY_MS,
    now = Date.now,
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (id) => clearTimeout(id),
  } = {},
) {
  let timer = null;

  function cancel() {
    clearTimer(timer);
    timer = null;
  }

  function sendNow() {
    cancel();
    report(now());
  }

  return {
    soon() {
      timer ??= setTimer(sendNow, delayMs);
    },
    now: sendNow,
    cancel,
  };
}
