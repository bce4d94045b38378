/**
 * Camera and microphone access. Each device is opened on its own, so a missing microphone does not cost the
 * camera, and every failure is described for the candidate and mapped to the notice the server records.
 *
 * @module devices
 */

import { describeLostDevice, describeMediaError } from "./lib/mediaErrors.js";

const CONSTRAINTS = {
  camera: { video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" } },
  microphone: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } },
};

/**
 * Open the camera or the microphone.
 *
 * @param {import("./lib/mediaErrors.js").DeviceKind} kind
 * @param {{mediaDevices?: MediaDevices}} [options]
 * @returns {Promise<{stream: MediaStream} | {failure: import("./lib/mediaErrors.js").DeviceFailure}>}
 */
export async function openDevice(kind, { mediaDevices = globalThis.navigator?.mediaDevices } = {}) {
  if (!mediaDevices?.getUserMedia) {
    return { failure: describeMediaError({ name: "NotSupportedError" }, kind) };
  }
  try {
    return { stream: await mediaDevices.getUserMedia(CONSTRAINTS[kind]) };
  } catch (error) {
    return { failure: describeMediaError(error, kind) };
  }
}

/**
 * Open both devices: with one prompt when both are granted, else each on its own to tell which one failed.
 *
 * @param {{mediaDevices?: MediaDevices}} [options]
 * @returns {Promise<{camera: {stream?: MediaStream, failure?: import("./lib/mediaErrors.js").DeviceFailure},
 *   microphone: {stream?: MediaStream, failure?: import("./lib/mediaErrors.js").DeviceFailure}}>}
 */
export async function openDevices({ mediaDevices = globalThis.navigator?.mediaDevices } = {}) {
  try {
    const both = await mediaDevices.getUserMedia({ ...CONSTRAINTS.camera, ...CONSTRAINTS.microphone });
    return {
      camera: { stream: new MediaStream(both.getVideoTracks()) },
      microphone: { stream: new MediaStream(both.getAudioTracks()) },
    };
  } catch {
    const camera = await openDevice("camera", { mediaDevices });
    const microphone = await openDevice("microphone", { mediaDevices });
    return { camera, microphone };
  }
}

/**
 * Call `callback(failure)` once if the device behind `stream` stops during monitoring: unplugged, taken by
 * another application, or its permission withdrawn. Stopping the tracks ourselves does not count.
 *
 * @param {import("./lib/mediaErrors.js").DeviceKind} kind
 * @param {MediaStream} stream
 * @param {(failure: import("./lib/mediaErrors.js").DeviceFailure) => void} callback
 * @param {{permissions?: Permissions}} [options]
 * @returns {() => void} stop watching
 */
export function watchDevice(kind, stream, callback, { permissions = globalThis.navigator?.permissions } = {}) {
  let done = false;
  const permissionName = kind === "camera" ? "camera" : "microphone";

  async function permissionState() {
    try {
      return (await permissions?.query({ name: permissionName }))?.state ?? null;
    } catch {
      return null; // Not every browser can query camera/microphone permissions.
    }
  }

  async function lost() {
    if (done) return;
    done = true;
    callback(describeLostDevice(kind, await permissionState()));
  }

  const tracks = stream.getTracks();
  tracks.forEach((track) => track.addEventListener("ended", lost));

  let status = null;
  const onPermissionChange = () => {
    if (status?.state === "denied") lost();
  };
  permissions
    ?.query({ name: permissionName })
    .then((result) => {
      if (done) return;
      status = result;
      status.addEventListener("change", onPermissionChange);
    })
    .catch(() => {});

  return () => {
    done = true;
    tracks.forEach((track) => track.removeEventListener("ended", lost));
    status?.removeEventListener("change", onPermissionChange);
  };
}

/**
 * Stop every track of the streams: the camera light goes off.
 * @param {Array<MediaStream | null | undefined>} streams
 */
export function stopStreams(streams) {
  streams.forEach((stream) => stream?.getTracks().forEach((track) => track.stop()));
}
