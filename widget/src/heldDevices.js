/**
 * The camera and microphone the widget holds, from the device check (or a page that resumes monitoring) until
 * monitoring stops: their streams, each device failure reported once as a notice, and the microphone metered from
 * the moment it is open (the check's level bar, then the monitoring view's microphone line and one audio report a
 * second).
 *
 * @module heldDevices
 */

import { openDevices, stopStreams } from "./devices.js";
import { onAudioActivity } from "./onAudioActivity.js";

/**
 * @typedef {Awaited<ReturnType<typeof openDevices>>} Opened
 * @typedef {"camera" | "microphone"} Device
 */

/**
 * @typedef {object} HeldDevicesOptions
 * @property {(type: string, capturedAtMs: number) => void} postEvent sends a device notice
 * @property {number} silenceThreshold average analyser level (0-255) below which a second is silent
 * @property {(report: {is_silent: boolean, level: number}, capturedAtMs: number) => void} onAudio each second's
 *   audio report
 * @property {(level: number, speaking: boolean) => void} onLevel each reading of the microphone's level
 * @property {MediaDevices} [mediaDevices] (default: the browser's)
 */

/**
 * @param {HeldDevicesOptions} options
 */
export function holdDevices({ postEvent, silenceThreshold, onAudio, onLevel, mediaDevices }) {
  /** @type {{camera: MediaStream | null, microphone: MediaStream | null}} */
  const streams = { camera: null, microphone: null };
  const reported = new Set();

  /**
   * Report a device notice once per device and problem.
   * @param {import("./lib/mediaErrors.js").DeviceFailure} failure
   * @param {Device} device
   */
  function notify(failure, device) {
    const key = `${device}:${failure.notice}:${failure.problem}`;
    if (reported.has(key)) return;
    reported.add(key);
    postEvent(failure.notice, Date.now());
  }

  /** Stop every track of the held devices: the camera light goes off. */
  function close() {
    stopStreams([streams.camera, streams.microphone]);
  }

  return {
    streams,
    notify,
    close,

    /**
     * Open both devices. If `wanted()` no longer holds once they are open (the page moved on meanwhile), close
     * them again and resolve to null.
     * @param {() => boolean} wanted
     * @returns {Promise<Opened | null>}
     */
    async open(wanted) {
      const results = await openDevices({ mediaDevices });
      if (wanted()) return results;
      stopStreams([results.camera.stream, results.microphone.stream]);
      return null;
    },

    /**
     * Keep the opened devices, report each failure once, and meter the microphone.
     * @param {Opened} results
     * @returns {() => void} stop metering the microphone
     */
    keep(results) {
      streams.camera = results.camera.stream ?? null;
      streams.microphone = results.microphone.stream ?? null;
      for (const device of /** @type {const} */ (["camera", "microphone"])) {
        if (results[device].failure) notify(results[device].failure, device);
      }
      if (!streams.microphone) return () => {};
      return onAudioActivity(streams.microphone, onAudio, { threshold: silenceThreshold, onLevel });
    },

    /** Close the devices and hold none. */
    release() {
      close();
      streams.camera = streams.microphone = null;
    },
  };
}
