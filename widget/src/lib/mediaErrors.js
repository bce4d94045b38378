/**
 * Why a camera or microphone could not be opened, in words the candidate can act on, and the notice the server
 * records for it. A missing device is reported, never skipped: in proctoring a quiet no-op looks like compliance.
 *
 * @module lib/mediaErrors
 */

/**
 * @typedef {"camera" | "microphone"} DeviceKind
 * @typedef {"denied" | "missing" | "busy" | "blocked" | "failed"} DeviceProblem
 * @typedef {{notice: string, problem: DeviceProblem, message: string}} DeviceFailure
 */

const NOTICE = { camera: "camera_unavailable", microphone: "microphone_unavailable" };

/**
 * Classify a `getUserMedia` rejection.
 * @param {{name?: string, message?: string} | undefined} error
 * @param {DeviceKind} device
 * @returns {DeviceFailure}
 */
export function describeMediaError(error, device) {
  const name = error?.name ?? "";
  const Device = device === "camera" ? "Camera" : "Microphone";
  const notice = NOTICE[device];
  if (name === "NotAllowedError" || name === "PermissionDeniedError") {
    return {
      notice,
      problem: "denied",
      message: `${Device} access was denied. Allow the ${device} for this site in the browser's address bar or site settings, then press Check again.`,
    };
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return { notice, problem: "missing", message: `No ${device} was found. Connect one, then press Check again.` };
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return {
      notice,
      problem: "busy",
      message: `The ${device} could not be started; another application may be using it. Close it, then press Check again.`,
    };
  }
  if (name === "SecurityError" || name === "TypeError" || name === "NotSupportedError") {
    return {
      notice,
      problem: "blocked",
      message: `This page is not allowed to use the ${device}. It must be served over HTTPS and, inside a frame, allowed with allow="camera; microphone".`,
    };
  }
  return {
    notice,
    problem: "failed",
    message: `The ${device} could not be opened (${name || error?.message || "unknown error"}).`,
  };
}

/**
 * The notice for a device that stopped during monitoring.
 * @param {DeviceKind} device
 * @param {PermissionState | null} permission the permission's state when it stopped, if the browser can tell
 * @returns {DeviceFailure}
 */
export function describeLostDevice(device, permission) {
  if (permission === "denied") {
    return {
      notice: "permission_revoked",
      problem: "denied",
      message: `Permission for the ${device} was withdrawn. Monitoring cannot see or hear you; allow it again and reload the page.`,
    };
  }
  return {
    notice: NOTICE[device],
    problem: "failed",
    message: `The ${device} stopped (unplugged or taken by another application). Reconnect it and reload the page.`,
  };
}
