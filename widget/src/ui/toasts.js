/**
 * Toasts for new violations, in an assertive live region so screen readers announce them. A toast stays until
 * dismissed or for `durationMs`; a repeat of the same code while its toast is shown updates that toast's count
 * without restarting its time. On a small screen the toasts sit below the panel instead of over it (widget.css), so
 * they never cover the end button.
 *
 * @module ui/toasts
 */

import { h } from "./dom.js";

/**
 * @param {HTMLElement} container element that receives the toasts (made a live region here)
 * @param {{durationMs?: number}} [options]
 */
export function createToasts(container, { durationMs = 10000 } = {}) {
  container.classList.add("pw-toasts");
  container.setAttribute("role", "alert");
  container.setAttribute("aria-live", "assertive");
  container.setAttribute("aria-relevant", "additions text");
  /** @type {Map<string, {element: HTMLElement, count: number, timer: any, text: HTMLElement}>} */
  const shown = new Map();

  function dismiss(key) {
    const toast = shown.get(key);
    if (!toast) return;
    clearTimeout(toast.timer);
    toast.element.remove();
    shown.delete(key);
  }

  return {
    /**
     * @param {string} key toasts with the same key are merged
     * @param {{title: string, text: string, tone: string}} view
     */
    show(key, view) {
      const existing = shown.get(key);
      if (existing) {
        existing.count += 1;
        existing.text.textContent = `${view.text} (${existing.count} times)`;
        return; // the count changes, the time it stays up does not: a lasting problem never keeps it up for good
      }
      const text = h("span", { class: "pw-toast-text" }, view.text);
      const element = h(
        "div",
        { class: `pw-toast pw-tone-${view.tone}` },
        h("span", { class: "pw-icon", "aria-hidden": "true" }, view.tone === "alert" ? "!" : "i"),
        h("span", null, h("strong", null, `${view.title} `), text),
        h(
          "button",
          { type: "button", class: "pw-dismiss", "aria-label": `Dismiss: ${view.title}`, onclick: () => dismiss(key) },
          "×",
        ),
      );
      container.append(element);
      shown.set(key, { element, count: 1, timer: setTimeout(() => dismiss(key), durationMs), text });
    },

    /** Remove every toast. */
    clear() {
      [...shown.keys()].forEach(dismiss);
    },
  };
}
