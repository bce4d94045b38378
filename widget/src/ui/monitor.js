/**
 * The monitoring view: live status (face, microphone, connection) in a polite live region, the candidate's own
 * picture, what has been recorded so far, and the end button.
 *
 * @module ui/monitor
 */

import { codeLabel, describeConnection, describeFaceStatus } from "../lib/status.js";
import { h } from "./dom.js";

/**
 * @param {{examTitle?: string, onEnd: () => void, endable?: boolean}} options `endable: false`: no end button (the
 *   session ends elsewhere, e.g. when the LMS quiz attempt is submitted), a note says so instead
 */
export function monitorPanel({ examTitle, onEnd, endable = true }) {
  const preview = h("video", {
    class: "pw-preview pw-small",
    muted: true,
    autoplay: true,
    playsInline: true,
    "aria-label": "Your camera picture",
  });
  const face = h("p", { class: "pw-line", "data-pw": "face" });
  const microphone = h("p", { class: "pw-line", "data-pw": "microphone" });
  const connection = h("p", { class: "pw-line", "data-pw": "connection" });
  const device = h("p", { class: "pw-line pw-tone-alert", "data-pw": "device", hidden: true });
  const recorded = h("ul", { class: "pw-recorded", "data-pw": "recorded" });
  const recordedEmpty = h("p", { class: "pw-hint" }, "Nothing recorded so far.");
  const endButton = h("button", { type: "button", class: "pw-button pw-danger", onclick: onEnd }, "End monitoring");
  const endNote = h(
    "p",
    { class: "pw-note", "data-pw": "ends-with-attempt" },
    "Monitoring ends when you submit the attempt.",
  );
  const element = h(
    "section",
    { class: "pw-panel", "aria-labelledby": "pw-monitor-title", "data-pw": "monitor" },
    h("h2", { id: "pw-monitor-title" }, examTitle ? `Monitoring: ${examTitle}` : "Monitoring"),
    h(
      "div",
      { class: "pw-check" },
      preview,
      h("div", { class: "pw-status", role: "status", "aria-live": "polite" }, face, microphone, connection, device),
    ),
    h("h3", null, "Recorded so far"),
    recordedEmpty,
    recorded,
    endable ? h("div", { class: "pw-actions" }, endButton) : endNote,
  );
  /** @type {Map<string, {count: number, item: HTMLElement}>} */
  const counts = new Map();

  function line(target, view) {
    target.className = `pw-line pw-tone-${view.tone}`;
    target.replaceChildren(h("span", { class: "pw-icon", "aria-hidden": "true" }, view.icon), ` ${view.text}`);
  }

  const view = {
    element,
    preview,
    /** @param {string | undefined} faceStatus */
    setFace(faceStatus) {
      const next = describeFaceStatus(faceStatus);
      if (face.dataset.status !== (faceStatus ?? "")) {
        face.dataset.status = faceStatus ?? "";
        line(face, next);
      }
    },
    /** @param {"speaking" | "quiet" | "off"} state */
    setMicrophone(state) {
      if (microphone.dataset.state === state) return;
      microphone.dataset.state = state;
      if (state === "off") line(microphone, { text: "Microphone not available", icon: "✕", tone: "alert" });
      else
        line(
          microphone,
          state === "speaking"
            ? { text: "Microphone: sound", icon: "♪", tone: "ok" }
            : { text: "Microphone: quiet", icon: "–", tone: "neutral" },
        );
    },
    /** @param {{online: boolean, queued: number, reason?: "offline" | "unreachable" | "server_error"}} state */
    setConnection(state) {
      connection.dataset.online = String(state.online);
      line(connection, describeConnection(state));
      // The last answer about the face is stale while nothing gets through: never show it as current.
      if (!state.online && face.dataset.status && face.dataset.status !== "camera_off") view.setFace("waiting");
    },
    /**
     * @param {string} message a device problem during monitoring
     * @param {"camera" | "microphone"} [deviceName] the camera: the face line says no picture is checked
     */
    setDeviceProblem(message, deviceName) {
      device.hidden = false;
      line(device, { text: message, icon: "✕", tone: "alert" });
      if (deviceName === "camera") view.setFace("camera_off");
    },
    /** @param {{code: string, notice?: boolean}} violation */
    addRecorded(violation) {
      recordedEmpty.hidden = true;
      const entry = counts.get(violation.code);
      const label = `${codeLabel(violation.code)}${violation.notice ? " (notice)" : ""}`;
      if (entry) {
        entry.count += 1;
        entry.item.textContent = `${label}: ${entry.count}`;
      } else {
        const item = h("li", { "data-code": violation.code }, `${label}: 1`);
        recorded.append(item);
        counts.set(violation.code, { count: 1, item });
      }
    },
    /** @param {string} message what ending is waiting for */
    setEnding(message) {
      endButton.disabled = true;
      endButton.textContent = message;
    },
  };
  view.setFace(undefined);
  view.setConnection({ online: true, queued: 0 });
  return view;
}
