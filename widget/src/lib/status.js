/**
 * What the candidate is told: server answers mapped to words, an icon and a tone. The tone only picks a colour;
 * the text and icon carry the meaning on their own, so colour is never the only signal.
 *
 * @module lib/status
 */

/**
 * @typedef {"ok" | "warn" | "alert" | "neutral"} Tone
 * @typedef {{text: string, icon: string, tone: Tone}} StatusView
 */

const FACE_STATUS = {
  ok: { text: "Face visible", icon: "✓", tone: "ok" },
  no_face: { text: "No face in view: please face the camera", icon: "!", tone: "alert" },
  multiple_faces: { text: "More than one person in view", icon: "!", tone: "alert" },
  turned_away: { text: "Please look at the screen", icon: "!", tone: "warn" },
  unclear: { text: "Camera image unclear: too dark or blurred", icon: "?", tone: "warn" },
};

/** The widget's own states, when no server answer can be shown, so none is claimed. */
const WIDGET_FACE_STATES = {
  camera_off: { text: "Camera off: no picture is checked", icon: "✕", tone: "alert" },
  waiting: { text: "Face not checked while observations wait to be sent", icon: "…", tone: "neutral" },
};

/**
 * The indicator for a frame answer's `face_status`.
 * @param {string | undefined} faceStatus
 * @returns {StatusView}
 */
export function describeFaceStatus(faceStatus) {
  return (
    FACE_STATUS[faceStatus] ?? WIDGET_FACE_STATES[faceStatus] ?? { text: "Checking the camera…", icon: "…", tone: "neutral" }
  );
}

const lasted = (detail) =>
  typeof detail?.lasted_s === "number" ? ` for ${Math.round(detail.lasted_s * 10) / 10} s` : "";

const VIOLATIONS = {
  multiple_faces: () => "More than one face was seen.",
  face_missing: (detail) => `Your face was out of view${lasted(detail)}.`,
  face_orientation: (detail) => `You looked away from the screen${lasted(detail)}.`,
  tab_switch: () => "You left the exam page.",
  silence: (detail) => `No sound from your microphone${lasted(detail)}.`,
  monitoring_gap: () => "Monitoring was interrupted: no camera image reached the server for a while.",
  camera_unavailable: () => "The camera is not available.",
  microphone_unavailable: () => "The microphone is not available.",
  permission_revoked: () => "Camera or microphone permission was withdrawn.",
  observations_lost: () => "Some observations could not be sent and were given up; the reviewer is told.",
  session_resumed: () => "The page was opened again: monitoring resumed the same session, and the reviewer is told.",
};

/**
 * A readable name for a violation code; unknown codes (from plugins) are spelled out from their snake_case.
 * @param {string} code
 * @returns {string}
 */
export function codeLabel(code) {
  const text = String(code).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The toast for a violation or notice from the server (`detail.lasted_s` says how long the condition lasted).
 * @param {{code: string, notice?: boolean, detail?: {lasted_s?: number}}} violation
 * @returns {{title: string, text: string, tone: Tone}}
 */
export function describeViolation(violation) {
  const explain = VIOLATIONS[violation.code];
  return {
    title: violation.notice ? `Notice: ${codeLabel(violation.code)}` : `Violation: ${codeLabel(violation.code)}`,
    text: explain ? explain(violation.detail) : "Recorded for the reviewer.",
    tone: violation.notice ? "warn" : "alert",
  };
}

/**
 * The connection line: online, or why observations wait (the browser is offline, the service does not answer, the
 * service answers with errors) and how many, or catching up.
 * @param {{online: boolean, queued: number, reason?: "offline" | "unreachable" | "server_error"}} connection
 * @returns {StatusView}
 */
export function describeConnection({ online, queued, reason = "offline" }) {
  if (!online) {
    const waiting = queued ? `${queued} ${queued === 1 ? "observation" : "observations"} waiting; ` : "";
    const text = {
      offline: `Offline: ${waiting}they will be sent when the connection returns`,
      unreachable: `No answer from the service: ${waiting}retrying`,
      server_error: `The service reported an error: ${waiting}retrying`,
    }[reason];
    return { text: text ?? `Not connected: ${waiting}retrying`, icon: "⚠", tone: "alert" };
  }
  if (queued > 3) return { text: `Connected: sending ${queued} waiting observations`, icon: "↻", tone: "warn" };
  return { text: "Connected", icon: "✓", tone: "ok" };
}

/**
 * The receipt's coverage line, review note and empty-deductions line. The server words coverage, review reasons
 * and notices (one vocabulary, in Python); this only picks what to show and its tone.
 * @param {{penalties?: Array<object>, coverage?: {summary?: string} | null, needs_review?: boolean,
 *   review_reasons?: string[]}} report
 * @returns {{coverage: string | null, reasons: string[], noDeductions: string, tone: Tone}}
 */
export function describeCoverage(report) {
  const summary = report?.coverage?.summary;
  const review = Boolean(report?.needs_review);
  return {
    coverage: summary ? `Monitoring coverage: ${summary}.` : null,
    reasons: review ? [...(report.review_reasons ?? [])] : [],
    noDeductions: review
      ? "No deductions, but the session could not be watched enough: a person will review it."
      : "No deductions: nothing was recorded against you.",
    tone: review ? "warn" : "ok",
  };
}

/**
 * The risk band as words (the receipt shows it next to its colour).
 * @param {string} band `green`, `yellow` or `red`
 * @returns {StatusView}
 */
export function describeBand(band) {
  if (band === "green") return { text: "Green: low risk", icon: "✓", tone: "ok" };
  if (band === "yellow") return { text: "Yellow: review suggested", icon: "!", tone: "warn" };
  if (band === "red") return { text: "Red: high risk", icon: "✕", tone: "alert" };
  return { text: codeLabel(band ?? "unknown"), icon: "?", tone: "neutral" };
}
