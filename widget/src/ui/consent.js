/**
 * Consent: what is captured, why, and what is kept, before any device is opened.
 *
 * @module ui/consent
 */

import { cameraConsentText } from "../ondevice/consentText.js";
import { h } from "./dom.js";

/**
 * @param {{examTitle?: string, keepEvidence?: boolean | null, retentionDays?: number | null, analysis?: "server" | "device", onAccept: () => void}} options
 * @returns {HTMLElement}
 */
export function consentPanel({ examTitle, keepEvidence, retentionDays, analysis, onAccept }) {
  let evidence =
    "A picture is kept only as evidence of a rule being broken, and only if this exam is set to keep evidence.";
  if (keepEvidence === true) {
    evidence = `When a rule is broken, the picture of that moment is kept as evidence for the reviewer${retentionDays ? ` for ${retentionDays} days` : ""}.`;
  } else if (keepEvidence === false) {
    evidence = "This exam keeps no pictures, not even when a rule is broken.";
  }
  return h(
    "section",
    { class: "pw-panel", "aria-labelledby": "pw-consent-title" },
    h("h2", { id: "pw-consent-title" }, examTitle ? `Monitoring for ${examTitle}` : "Exam monitoring"),
    h("p", null, "Before you start, this is what monitoring captures and why:"),
    h(
      "ul",
      { class: "pw-list" },
      h(
        "li",
        null,
        h("strong", null, "Camera: "),
        cameraConsentText(analysis),
        evidence,
      ),
      h(
        "li",
        null,
        h("strong", null, "Microphone: "),
        "used only to tell sound from silence. No audio leaves your browser: only a flag (silent or not) is sent once a second.",
      ),
      h("li", null, h("strong", null, "This page: "), "leaving it (another tab or window) is recorded."),
      h(
        "li",
        null,
        h("strong", null, "At the end: "),
        "you get your integrity score, with every deduction and its reason.",
      ),
    ),
    h("p", null, "Next, your browser asks for the camera and the microphone, and you can check that both work."),
    h(
      "div",
      { class: "pw-actions" },
      h(
        "button",
        { type: "button", class: "pw-button pw-primary", onclick: onAccept },
        "I agree: check my camera and microphone",
      ),
    ),
  );
}
