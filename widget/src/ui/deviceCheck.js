/**
 * Device check: camera preview, microphone level meter, and what to do when a device is denied or missing.
 *
 * @module ui/deviceCheck
 */

import { h } from "./dom.js";

/**
 * @param {{onRetry: () => void, onStart: () => void}} actions
 */
export function deviceCheckPanel({ onRetry, onStart }) {
  const preview = h("video", {
    class: "pw-preview",
    muted: true,
    autoplay: true,
    playsInline: true,
    "aria-label": "Camera preview",
  });
  const cameraLine = h("p", { class: "pw-line pw-tone-neutral" }, "Opening the camera…");
  const meterFill = h("span", { class: "pw-meter-fill" });
  const meter = h(
    "div",
    {
      class: "pw-meter",
      role: "meter",
      "aria-label": "Microphone level",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": "0",
    },
    meterFill,
  );
  const micLine = h("p", { class: "pw-line pw-tone-neutral" }, "Opening the microphone…");
  const live = h("div", { class: "pw-status", role: "status", "aria-live": "polite" }, cameraLine, micLine);
  const retry = h("button", { type: "button", class: "pw-button", onclick: onRetry, hidden: true }, "Check again");
  const start = h(
    "button",
    { type: "button", class: "pw-button pw-primary", onclick: onStart, disabled: true },
    "Start monitoring",
  );
  const startNote = h("p", { class: "pw-note", hidden: true });
  const element = h(
    "section",
    { class: "pw-panel", "aria-labelledby": "pw-check-title" },
    h("h2", { id: "pw-check-title" }, "Camera and microphone check"),
    h(
      "div",
      { class: "pw-check" },
      preview,
      h(
        "div",
        null,
        live,
        h("p", { class: "pw-hint" }, "Speak a few words: the bar moves when the microphone hears you."),
        meter,
      ),
    ),
    startNote,
    h("div", { class: "pw-actions" }, retry, start),
  );

  const result = { camera: null, microphone: null };

  function line(target, ok, text) {
    target.className = `pw-line pw-tone-${ok ? "ok" : "alert"}`;
    target.replaceChildren(h("span", { class: "pw-icon", "aria-hidden": "true" }, ok ? "✓" : "✕"), ` ${text}`);
  }

  function update() {
    if (result.camera === null || result.microphone === null) return;
    const missing = [!result.camera && "camera", !result.microphone && "microphone"].filter(Boolean);
    retry.hidden = missing.length === 0;
    start.disabled = false;
    start.textContent = missing.length ? `Start without the ${missing.join(" and ")}` : "Start monitoring";
    startNote.hidden = missing.length === 0;
    startNote.textContent = missing.length
      ? `If you start now, the reviewer is told that the ${missing.join(" and ")} ${missing.length > 1 ? "were" : "was"} not available.`
      : "";
  }

  return {
    element,
    /**
     * @param {MediaStream | null} stream
     * @param {string} [message] why it failed
     */
    setCamera(stream, message) {
      result.camera = Boolean(stream);
      preview.srcObject = stream;
      line(cameraLine, Boolean(stream), stream ? "Camera working: check that your face is in the picture." : message);
      update();
    },
    /**
     * @param {MediaStream | null} stream
     * @param {string} [message]
     */
    setMicrophone(stream, message) {
      result.microphone = Boolean(stream);
      line(micLine, Boolean(stream), stream ? "Microphone working." : message);
      update();
    },
    /** Mark both devices as being opened again. */
    reset() {
      result.camera = result.microphone = null;
      start.disabled = true;
    },
    /** @param {number} level 0-255 */
    setLevel(level) {
      const percent = Math.min(100, Math.round((level / 64) * 100));
      meterFill.style.width = `${percent}%`;
      meter.setAttribute("aria-valuenow", String(percent));
    },
  };
}
