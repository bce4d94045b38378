/**
 * The options of `mountProctorWidget()` (index.js): what each means, its default, and the three the widget cannot
 * do without.
 *
 * @module options
 */

import { onPageEvents } from "./onPageEvents.js";

/**
 * @typedef {object} WidgetOptions
 * @property {string} apiBase the REST API base, e.g. `/api/v1`
 * @property {string} sessionId
 * @property {string} token the session token
 * @property {string} [examTitle]
 * @property {string} [resultUrl] where "Continue" on the receipt leads (the candidate's result page)
 * @property {string} [returnUrl] where "Continue" leads instead, when the page was launched from an LMS that
 *   named a return URL (`launch_presentation.return_url`)
 * @property {boolean} [reportResume=false] post the notice `session_resumed` when monitoring resumes on a page
 *   opened again within the sitting (a reload, a reopened tab); off for LMS quiz pages, which resume on every page
 * @property {boolean} [lms=false] launched from an LMS: a refused token means a newer launch replaced this page
 * @property {boolean} [endable=true] show the end button; false when the session ends elsewhere (an LMS quiz
 *   attempt's submission ends it)
 * @property {boolean} [keepEvidence] whether the exam keeps evidence pictures, for the consent text (unknown: a
 *   general statement)
 * @property {number} [evidenceRetentionDays] how long evidence is kept
 * @property {number} [silenceThreshold=5] average analyser level (0-255) below which a second is silent
 * @property {number} [frameIntervalMs=1000]
 * @property {number} [jpegQuality=0.5]
 * @property {"binary" | "dataurl"} [frameEncoding="binary"] raw `image/jpeg` bodies or JSON data URLs
 * @property {boolean} [trackFocus] report window blur/focus; default: only when the widget is not in a frame
 * @property {typeof onPageEvents} [pageEvents] the source of page events (the exam-wrapper page brings its own)
 * @property {() => void} [onMonitoring] called when monitoring starts
 * @property {() => void} [onStop] called when monitoring stops: the session is ending, ended or unusable
 * @property {(report: any) => void} [onEnd] called with the score report once the session has ended
 * @property {typeof fetch} [fetch]
 */

/**
 * The options with their defaults filled in (an option given as `undefined` takes its default too).
 *
 * @param {WidgetOptions} options
 * @returns {WidgetOptions} every option, each default filled in
 * @throws {TypeError} without `apiBase`, `sessionId` or `token`
 */
export function widgetOptions(options) {
  const {
    apiBase,
    sessionId,
    token,
    examTitle,
    resultUrl,
    returnUrl,
    lms = false,
    reportResume = false,
    endable = true,
    keepEvidence = null,
    evidenceRetentionDays = null,
    silenceThreshold = 5,
    frameIntervalMs = 1000,
    jpegQuality = 0.5,
    frameEncoding = "binary",
    trackFocus,
    pageEvents = onPageEvents,
    onMonitoring = () => {},
    onStop = () => {},
    onEnd = () => {},
    fetch,
  } = options;
  if (!apiBase || !sessionId || !token) throw new TypeError("mountProctorWidget needs apiBase, sessionId and token");
  return {
    apiBase, sessionId, token, examTitle, resultUrl, returnUrl, lms, reportResume, endable, keepEvidence,
    evidenceRetentionDays, silenceThreshold, frameIntervalMs, jpegQuality, frameEncoding, trackFocus, pageEvents,
    onMonitoring, onStop, onEnd, fetch,
  };
}
