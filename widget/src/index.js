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

import { stopStreams } from "./devices.js";
import { holdDevices } from "./heldDevices.js";
import { createAnnouncements } from "./lib/announcements.js";
import { invalidLinkMessage } from "./lib/invalidLink.js";
import { startMonitoring } from "./monitoring.js";
import { preloadFinder } from "./ondevice/mode.js";
import { widgetOptions } from "./options.js";
import { consentPanel } from "./ui/consent.js";
import { deviceCheckPanel } from "./ui/deviceCheck.js";
import { h, showPanel } from "./ui/dom.js";
import { monitorPanel } from "./ui/monitor.js";
import { messagePanel, receiptPanel } from "./ui/receipt.js";
import { createToasts } from "./ui/toasts.js";
import { recheckToken } from "./watchToken.js";
import { createWidgetTransport } from "./widgetTransport.js";

export { captureFrames } from "./captureFrames.js";
export { onAudioActivity } from "./onAudioActivity.js";
export { onPageEvents } from "./onPageEvents.js";
export { createTransport } from "./transport.js";
export { openDevice, openDevices, watchDevice } from "./devices.js";

/** @typedef {import("./options.js").WidgetOptions} WidgetOptions */

/**
 * Mount the widget into `element`.
 *
 * @param {HTMLElement} element
 * @param {WidgetOptions} options
 * @returns {{end: () => Promise<any>, destroy: () => void}}
 */
export function mountProctorWidget(element, options) {
  const {
    apiBase, sessionId, token, examTitle, resultUrl, returnUrl, lms, reportResume, endable, keepEvidence,
    evidenceRetentionDays, silenceThreshold, frameIntervalMs, jpegQuality, frameEncoding, trackFocus, pageEvents,
    onMonitoring, onStop, onEnd, fetch: fetchFn,
  } = widgetOptions(options);

  const panelRoot = h("div", { class: "pw-root" });
  const toastRoot = h("div");
  element.classList.add("proctor-widget");
  element.replaceChildren(panelRoot, toastRoot);
  const toasts = createToasts(toastRoot);
  const announcements = createAnnouncements(toasts);

  /** @type {"loading" | "consent" | "resuming" | "check" | "monitoring" | "ending" | "ended"} */
  let phase = "loading";
  /** @type {Array<() => any>} what runs on the devices: the microphone's meter, then monitoring */
  let stops = [];
  let monitor = null;
  /** @type {import("./monitoring.js").Monitoring | null} what runs while monitoring */
  let monitoring = null;
  let check = null;
  let session = null;
  let ending = null;

  const { transport, lostReports } = createWidgetTransport({
    apiBase, sessionId, token, fetch: fetchFn,
    onAnswer: (stream, answer) => announcements.showAnswer(stream, answer),
    onConnection: (state) => monitor?.setConnection(state),
    onFatal(error) {
      if (error.status === 409) end().catch(() => {});
      else refuse(error);
    },
  });

  const devices = holdDevices({
    postEvent: (type, capturedAtMs) => transport.postEvent(type, capturedAtMs),
    silenceThreshold,
    onAudio(report, capturedAtMs) {
      if (phase === "monitoring") monitoring?.postAudio(report, capturedAtMs);
    },
    onLevel(level, speaking) {
      check?.setLevel(level);
      if (phase === "monitoring") monitor?.setMicrophone(speaking ? "speaking" : "quiet");
    },
  });

  function stopCapture() {
    stops.forEach((stop) => stop());
    stops = [];
    devices.release();
  }

  function finish(panel) {
    phase = "ended";
    onStop();
    stopCapture();
    rechecks.stop();
    transport.stop();
    toasts.clear();
    showPanel(panelRoot, panel);
  }

  /** The server refused the token: say why, in words true for how the page was opened; capture nothing more. */
  function refuse(error) {
    const [title, text] = invalidLinkMessage(error, lms);
    finish(messagePanel(title, text));
  }

  // Before monitoring, a newer launch can replace this page's token at any time (see watchToken.js); consent
  // checks it too, before any device is opened.
  const rechecks = recheckToken({
    session: () => transport.session(),
    applies: () => phase === "consent" || phase === "check",
    onEnded: () => end().catch(() => {}),
    onRefused: refuse,
  });

  async function checkDevices() {
    check.reset();
    stopCapture();
    const results = await devices.open(() => phase === "check");
    if (!results) return;
    stops.push(devices.keep(results));
    check.setCamera(devices.streams.camera, results.camera.failure?.message);
    check.setMicrophone(devices.streams.microphone, results.microphone.failure?.message);
  }

  /** Consent given: open the devices only if the token still holds (a newer launch may have replaced it). */
  function acceptConsent() {
    transport.session().then(
      (state) => {
        if (phase !== "consent") return;
        if (state?.active === false) end().catch(() => {});
        else showCheck();
      },
      (error) => {
        if (phase !== "consent") return;
        if ([401, 403, 404].includes(error.status)) refuse(error);
        else showCheck(); // the network, not the token: the start call checks the token again
      },
    );
  }

  function showCheck() {
    phase = "check";
    rechecks.start();
    check = deviceCheckPanel({ onRetry: checkDevices, onStart: () => showMonitoring() });
    if (session?.analysis === "device") preloadFinder().catch(() => {}); // a failure shows when monitoring starts
    showPanel(panelRoot, check.element);
    checkDevices();
  }

  /**
   * Monitoring already started on an earlier page of this session (a reload, the next page of a quiz): open the
   * devices again and go straight back to monitoring; only if the camera fails now, show the device check.
   */
  async function resume() {
    phase = "resuming";
    showPanel(panelRoot, messagePanel("Exam monitoring", "Resuming monitoring…"), { focus: false });
    const results = await devices.open(() => phase === "resuming");
    if (!results) return;
    if (!results.camera.stream) {
      stopStreams([results.microphone.stream]);
      showCheck();
      return;
    }
    stops.push(devices.keep(results));
    showMonitoring({ resumed: true });
    if (reportResume) transport.postEvent("session_resumed", Date.now());
  }

  /** @param {{resumed?: boolean}} [options] `resumed`: the server already knows monitoring started */
  function showMonitoring({ resumed = false } = {}) {
    phase = "monitoring";
    rechecks.stop();
    if (!resumed) transport.start().catch(() => {});
    check = null;
    monitor = monitorPanel({ examTitle: examTitle || session?.exam_title, onEnd: end, endable });
    announcements.showIn(monitor);
    showPanel(panelRoot, monitor.element, { focus: !resumed });
    monitoring = startMonitoring({
      streams: devices.streams, monitor, transport, toasts, notify: devices.notify, pageEvents, trackFocus,
      analysis: session?.analysis,
      api: { apiBase, sessionId, token, fetch: fetchFn },
      frames: { intervalMs: frameIntervalMs, quality: jpegQuality, encoding: frameEncoding },
      onAnswer: (stream, answer) => announcements.showAnswer(stream, answer),
      onEnded: () => end().catch(() => {}),
    });
    stops.push(monitoring.stop);
    onMonitoring();
  }

  /** Stop capturing (camera light off), deliver what is queued, end the session and show the receipt. */
  function end() {
    if (ending) return ending;
    ending = (async () => {
      const wasMonitoring = phase === "monitoring";
      phase = "ending";
      onStop();
      const stopping = stops.map((stop) => stop());
      stops = [];
      devices.close();
      if (wasMonitoring && monitor) {
        monitor.preview.srcObject = null;
        lostReports.now();
        if (transport.queued) monitor.setEnding(`Sending ${transport.queued} waiting observations…`);
        await Promise.allSettled([...stopping, transport.drain()]);
        monitor.setEnding("Ending…");
      }
      try {
        const report = await transport.end();
        finish(receiptPanel(report, { continueUrl: returnUrl || resultUrl || session?.result_url }));
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
    phase = "consent";
    rechecks.start();
    const consent = consentPanel({
      examTitle: examTitle || session?.exam_title,
      keepEvidence,
      retentionDays: evidenceRetentionDays,
      analysis: session?.analysis,
      onAccept: acceptConsent,
    });
    showPanel(panelRoot, consent, { focus: false });
  }

  // The session's state: its exam title, whether it already ended (then the receipt is shown at once), and whether
  // monitoring already started (then it resumes without asking for consent again).
  showPanel(panelRoot, messagePanel("Exam monitoring", "Loading…"), { focus: false });
  transport.session().then(
    (state) => {
      session = state;
      if (phase !== "loading") return;
      if (state?.ended_at || state?.active === false) end().catch(() => {});
      else if (state?.monitoring_started_at) resume();
      else showConsent();
    },
    (error) => {
      if (phase !== "loading") return;
      if ([401, 403, 404].includes(error.status)) refuse(error);
      else showConsent();
    },
  );

  return {
    end,
    /** Remove the widget and stop everything without ending the session. */
    destroy() {
      lostReports.cancel();
      stopCapture();
      rechecks.stop();
      transport.stop();
      element.replaceChildren();
    },
  };
}
