/**
 * The proctoring capture widget: consent, device check, monitoring, end and score receipt.
 *
 * ```html
 * <div id="proctor"></div>
 * <script type="module">
 *   import { mountProctorWidget } from "/static/widget/index.js";
 *   mountProctorWidget(document.getElementById("proctor"), { apiBase: "/api/v1", sessionId, token });
 * </script>
 * ```
 *
 * @module index
 */

import { captureFrames } from "./captureFrames.js";
import { openDevices, stopStreams, watchDevice } from "./devices.js";
import { describeViolation } from "./lib/status.js";
import { onAudioActivity } from "./onAudioActivity.js";
import { onPageEvents } from "./onPageEvents.js";
import { preloadFinder, startOnDevice } from "./ondevice/mode.js";
import { createTransport } from "./transport.js";
import { consentPanel } from "./ui/consent.js";
import { deviceCheckPanel } from "./ui/deviceCheck.js";
import { h, showPanel } from "./ui/dom.js";
import { monitorPanel } from "./ui/monitor.js";
import { messagePanel, receiptPanel } from "./ui/receipt.js";
import { createToasts } from "./ui/toasts.js";

export { captureFrames } from "./captureFrames.js";
export { onAudioActivity } from "./onAudioActivity.js";
export { onPageEvents } from "./onPageEvents.js";
export { createTransport } from "./transport.js";
export { openDevice, openDevices, watchDevice } from "./devices.js";

/**
 * @typedef {object} WidgetOptions
 * @property {string} apiBase the REST API base, e.g. `/api/v1`
 * @property {string} sessionId
 * @property {string} token the session token
 * @property {string} [examTitle]
 * @property {string} [resultUrl] where "Continue" on the receipt leads
 * @property {boolean} [keepEvidence] whether the exam keeps evidence pictures, for the consent text (unknown: a
 *   general statement)
 * @property {number} [evidenceRetentionDays] how long evidence is kept
 * @property {number} [silenceThreshold=5] average analyser level (0-255) below which a second is silent
 * @property {number} [frameIntervalMs=1000]
 * @property {number} [jpegQuality=0.5]
 * @property {"binary" | "dataurl"} [frameEncoding="binary"] raw `image/jpeg` bodies or JSON data URLs
 * @property {boolean} [trackFocus] report window blur/focus; default: only when the widget is not in a frame
 * @property {(report: any) => void} [onEnd] called with the score report once the session has ended
 * @property {typeof fetch} [fetch]
 */

const INVALID_LINK = "This monitoring link is not valid (any more). Reopen the exam from its start page.";

/** Frames kept while offline (2 minutes at one a second); older ones give way, leaving a gap the server records. */
const MAX_QUEUED_FRAMES = 120;

/**
 * Mount the widget into `element`.
 *
 * @param {HTMLElement} element
 * @param {WidgetOptions} options
 * @returns {{end: () => Promise<any>, destroy: () => void}}
 */
export function mountProctorWidget(element, options) {
  const {
    apiBase,
    sessionId,
    token,
    examTitle,
    resultUrl,
    keepEvidence = null,
    evidenceRetentionDays = null,
    silenceThreshold = 5,
    frameIntervalMs = 1000,
    jpegQuality = 0.5,
    frameEncoding = "binary",
    trackFocus,
    onEnd = () => {},
    fetch: fetchFn,
  } = options;
  if (!apiBase || !sessionId || !token) throw new TypeError("mountProctorWidget needs apiBase, sessionId and token");

  const panelRoot = h("div", { class: "pw-root" });
  const toastRoot = h("div");
  element.classList.add("proctor-widget");
  element.replaceChildren(panelRoot, toastRoot);
  const toasts = createToasts(toastRoot);

  /** @type {"consent" | "check" | "monitoring" | "ending" | "ended"} */
  let phase = "consent";
  const streams = { camera: null, microphone: null };
  /** @type {Array<() => void>} */
  let stops = [];
  const reported = new Set();
  const toasted = new Set(); // violation ids already shown: a replayed answer shows nothing new
  let monitor = null;
  let check = null;
  let session = null;
  let ending = null;

  const transport = createTransport({
    apiBase,
    sessionId,
    token,
    fetch: fetchFn,
    isOnline: () => navigator.onLine !== false,
    maxQueued: { frames: MAX_QUEUED_FRAMES },
    onAnswer: (stream, answer) => showAnswer(stream, answer),
    onConnection: (state) => monitor?.setConnection(state),
    onDropped: (item, error) => console.warn(`proctor widget: ${item.stream} #${item.seq} refused: ${error.message}`),
    onFatal(error) {
      if (error.status === 409) end().catch(() => {});
      else finish(messagePanel("Monitoring stopped", INVALID_LINK));
    },
  });

  function showAnswer(stream, answer) {
    if (stream === "frames" && answer?.face_status) monitor?.setFace(answer.face_status);
    for (const violation of answer?.violations ?? []) announce(violation);
  }

  /** @param {{id: string, code: string, notice?: boolean, detail?: {lasted_s?: number}}} violation */
  function announce(violation) {
    if (toasted.has(violation.id)) return;
    toasted.add(violation.id);
    monitor?.addRecorded(violation);
    toasts.show(violation.code, describeViolation(violation));
  }

  /** Report a device notice once per device and problem. */
  function notify(failure, device) {
    const key = `${device}:${failure.notice}:${failure.problem}`;
    if (reported.has(key)) return;
    reported.add(key);
    transport.postEvent(failure.notice, Date.now());
  }

  function stopCapture() {
    stops.forEach((stop) => stop());
    stops = [];
    stopStreams([streams.camera, streams.microphone]);
    streams.camera = streams.microphone = null;
  }

  function finish(panel) {
    phase = "ended";
    stopCapture();
    transport.stop();
    toasts.clear();
    showPanel(panelRoot, panel);
  }

  async function checkDevices() {
    check.reset();
    stopCapture();
    const results = await openDevices();
    if (phase !== "check") {
      stopStreams([results.camera.stream, results.microphone.stream]);
      return;
    }
    streams.camera = results.camera.stream ?? null;
    streams.microphone = results.microphone.stream ?? null;
    check.setCamera(streams.camera, results.camera.failure?.message);
    check.setMicrophone(streams.microphone, results.microphone.failure?.message);
    for (const device of /** @type {const} */ (["camera", "microphone"])) {
      if (results[device].failure) notify(results[device].failure, device);
    }
    if (streams.microphone) {
      stops.push(
        onAudioActivity(
          streams.microphone,
          (report, capturedAtMs) => {
            if (phase === "monitoring") transport.postAudio(report, capturedAtMs);
          },
          {
            threshold: silenceThreshold,
            onLevel(level, speaking) {
              check?.setLevel(level);
              if (phase === "monitoring") monitor?.setMicrophone(speaking ? "speaking" : "quiet");
            },
          },
        ),
      );
    }
  }

  function showCheck() {
    phase = "check";
    check = deviceCheckPanel({ onRetry: checkDevices, onStart: startMonitoring });
    if (session?.analysis === "device") preloadFinder().catch(() => {}); // a failure shows when monitoring starts
    showPanel(panelRoot, check.element);
    checkDevices();
  }

  function startMonitoring() {
    phase = "monitoring";
    check = null;
    monitor = monitorPanel({ examTitle: examTitle || session?.exam_title, onEnd: end });
    showPanel(panelRoot, monitor.element);
    if (streams.camera) {
      monitor.preview.srcObject = streams.camera;
      const capture = (callback, encoding = frameEncoding) =>
        captureFrames(streams.camera, callback, { intervalMs: frameIntervalMs, quality: jpegQuality, encoding });
      const serverAnalysis = () => capture((image, at) => transport.postFrame(image, at));
      stops.push(
        session?.analysis !== "device"
          ? serverAnalysis()
          : startOnDevice({
              apiBase, sessionId, token, fetch: fetchFn, capture: (callback) => capture(callback, "binary"),
              onAnswer: (answer) => showAnswer("frames", answer),
              onFatal: (error) => (error.status === 409 ? end().catch(() => {}) : null),
              fallback(reason) {
                const text = `Your pictures are now analysed by the exam service: ${reason}.`;
                toasts.show("analysis_fallback", { title: "On-device analysis off", text, tone: "warn" });
                return serverAnalysis();
              },
            }),
      );
    } else {
      monitor.setDeviceProblem("The camera is not available: the reviewer is told.");
    }
    monitor.setMicrophone(streams.microphone ? "quiet" : "off");
    for (const device of /** @type {const} */ (["camera", "microphone"])) {
      if (!streams[device]) continue;
      stops.push(
        watchDevice(device, streams[device], (failure) => {
          notify(failure, device);
          monitor?.setDeviceProblem(failure.message);
          if (device === "microphone") monitor?.setMicrophone("off");
        }),
      );
    }
    stops.push(
      onPageEvents(
        (type, at) => {
          transport.postEvent(type, at);
          if (type === "tab_hidden") transport.flush();
        },
        { focus: trackFocus },
      ),
    );
    const onOnline = () => transport.retryNow();
    const onOffline = () => monitor?.setConnection({ online: false, queued: transport.queued });
    const onPageHide = () => transport.flush();
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    window.addEventListener("pagehide", onPageHide);
    stops.push(() => {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("pagehide", onPageHide);
    });
  }

  /** Stop capturing (camera light off), deliver what is queued, end the session and show the receipt. */
  function end() {
    if (ending) return ending;
    ending = (async () => {
      const wasMonitoring = phase === "monitoring";
      phase = "ending";
      stops.forEach((stop) => stop());
      stops = [];
      stopStreams([streams.camera, streams.microphone]);
      if (wasMonitoring && monitor) {
        monitor.preview.srcObject = null;
        if (transport.queued) monitor.setEnding(`Sending ${transport.queued} waiting observations…`);
        await transport.drain();
        monitor.setEnding("Ending…");
      }
      try {
        const report = await transport.end();
        finish(receiptPanel(report, { resultUrl }));
        onEnd(report);
        return report;
      } catch (error) {
        finish(messagePanel("Monitoring stopped", `The session could not be ended: ${error.message}`));
        throw error;
      }
    })();
    return ending;
  }

  function showConsent() {
    const consent = consentPanel({
      examTitle: examTitle || session?.exam_title,
      keepEvidence,
      retentionDays: evidenceRetentionDays,
      analysis: session?.analysis,
      onAccept: showCheck,
    });
    showPanel(panelRoot, consent, { focus: false });
  }

  // The session's state: its exam title, and whether it already ended (then the receipt is shown at once).
  showPanel(panelRoot, messagePanel("Exam monitoring", "Loading…"), { focus: false });
  transport.session().then(
    (state) => {
      session = state;
      if (phase !== "consent") return;
      if (state?.ended_at || state?.active === false) end().catch(() => {});
      else showConsent();
    },
    (error) => {
      if (phase !== "consent") return;
      if ([401, 403, 404].includes(error.status)) finish(messagePanel("Monitoring unavailable", INVALID_LINK));
      else showConsent();
    },
  );

  return {
    end,
    /** Remove the widget and stop everything without ending the session. */
    destroy() {
      stopCapture();
      transport.stop();
      element.replaceChildren();
    },
  };
}
