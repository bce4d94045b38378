/**
 * What runs while monitoring, once consent is given and the devices are open: the camera's frames sent to the
 * service, or analysed on the device (falling back to the service when that cannot work); the devices watched
 * for one that stops; the page events; and the connection: retried at once when the browser is online again,
 * told when it goes offline, and what waits sent with `keepalive` when the page is hidden or goes away.
 *
 * @module monitoring
 */

import { captureFrames } from "./captureFrames.js";
import { watchDevice } from "./devices.js";
import { startOnDevice } from "./ondevice/mode.js";

/**
 * @typedef {object} MonitoringOptions
 * @property {{camera: MediaStream | null, microphone: MediaStream | null}} streams the devices this page holds
 * @property {ReturnType<typeof import("./ui/monitor.js").monitorPanel>} monitor the monitoring view
 * @property {ReturnType<typeof import("./transport.js").createTransport>} transport
 * @property {string} [analysis] where frames are analysed (the session's `analysis`): `device` on the device,
 *   anything else by the service
 * @property {{apiBase: string, sessionId: string, token: string, fetch?: typeof fetch}} api what on-device
 *   analysis needs to post its verdicts itself
 * @property {{intervalMs: number, quality: number, encoding: "binary" | "dataurl"}} frames
 * @property {(stream: string, answer: any) => void} onAnswer an answer of on-device analysis (as the transport's)
 * @property {() => void} onEnded on-device analysis found the session ended elsewhere (409)
 * @property {{show: (key: string, view: {title: string, text: string, tone: string}) => void}} toasts where the
 *   fallback to the service is told (ui/toasts.js)
 * @property {(failure: import("./lib/mediaErrors.js").DeviceFailure, device: "camera" | "microphone") => void}
 *   notify report a device that stopped
 * @property {typeof import("./onPageEvents.js").onPageEvents} pageEvents the source of page events
 * @property {boolean} [trackFocus] also report window blur/focus (the page events' default when not given)
 */

/**
 * @typedef {object} Monitoring
 * @property {(report: {is_silent: boolean, level: number}, capturedAtMs: number) => void} postAudio one second of
 *   audio activity: with the verdicts on the device, else to the service
 * @property {() => Promise<any>} stop stop all of it; settles once everything stopped (on-device analysis sends
 *   what waits first)
 */

/**
 * Start monitoring with the devices in `streams`.
 * @param {MonitoringOptions} options
 * @returns {Monitoring}
 */
export function startMonitoring({
  streams,
  monitor,
  transport,
  analysis,
  api,
  frames,
  onAnswer,
  onEnded,
  toasts,
  notify,
  pageEvents,
  trackFocus,
}) {
  /** @type {Array<() => any>} */
  const stops = [];
  /** @type {import("./ondevice/mode.js").OnDevice | null} on-device analysis, while it runs */
  let onDevice = null;

  /** The page may go away: what waits leaves with `keepalive`. */
  function flush() {
    transport.flush();
    onDevice?.flush();
  }

  if (streams.camera) {
    monitor.preview.srcObject = streams.camera;
    const capture = (callback, encoding = frames.encoding) =>
      captureFrames(streams.camera, callback, { intervalMs: frames.intervalMs, quality: frames.quality, encoding });
    const serverAnalysis = () => capture((image, at) => transport.postFrame(image, at));
    if (analysis !== "device") stops.push(serverAnalysis());
    else {
      const device = startOnDevice({
        ...api,
        capture: (callback) => capture(callback, "binary"),
        onAnswer: (answer) => onAnswer("frames", answer),
        onFatal: (error) => (error.status === 409 ? onEnded() : null),
        fallback(reason) {
          const text = `Your pictures are now analysed by the exam service: ${reason}.`;
          toasts.show("analysis_fallback", { title: "On-device analysis off", text, tone: "warn" });
          return serverAnalysis();
        },
      });
      onDevice = device;
      stops.push(() => device.stop());
    }
  } else {
    monitor.setDeviceProblem("The camera is not available: the reviewer is told.", "camera");
  }
  monitor.setMicrophone(streams.microphone ? "quiet" : "off");
  for (const device of /** @type {const} */ (["camera", "microphone"])) {
    if (!streams[device]) continue;
    stops.push(
      watchDevice(device, streams[device], (failure) => {
        notify(failure, device);
        monitor.setDeviceProblem(failure.message, device);
        if (device === "microphone") monitor.setMicrophone("off");
      }),
    );
  }
  stops.push(
    pageEvents(
      (type, at) => {
        transport.postEvent(type, at);
        if (type === "tab_hidden") flush();
      },
      { focus: trackFocus },
    ),
  );
  const onOnline = () => transport.retryNow();
  const onOffline = () => monitor.setConnection({ online: false, queued: transport.queued });
  const onPageHide = () => flush();
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);
  window.addEventListener("pagehide", onPageHide);
  stops.push(() => {
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("pagehide", onPageHide);
  });

  return {
    postAudio(report, capturedAtMs) {
      if (!onDevice?.postAudio(report, capturedAtMs)) transport.postAudio(report, capturedAtMs);
    },
    stop: () => Promise.allSettled(stops.map((stop) => stop())),
  };
}
