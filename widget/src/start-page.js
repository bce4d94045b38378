/**
 * Entry of the stand-alone start page (template `proctor/start.html`): opens the session through
 * `POST /api/v1/sessions`, which needs no cookie, then goes to the session's monitoring page with the token in the
 * URL fragment (`/s/<id>/monitor#token=...`, never sent to a server). The form's own CSRF-protected post is the
 * fallback without JavaScript; inside a cross-site iframe the browser drops the CSRF cookie, the API call works.
 *
 * @module start-page
 */

import { rememberToken } from "./lib/sitting.js";

/** What the candidate reads for a field the service refused. */
export const FIELD_MESSAGES = Object.freeze({
  name: "Enter your name.",
  email: "Enter a valid email address.",
  exam: "Choose one of the listed exams.",
});

/**
 * The candidate's words for a refused `POST /sessions`: one message per field, or one for the whole form.
 * @param {number} status
 * @param {any} body the JSON error answer (`{error: {code, message, details}}`)
 * @returns {Record<string, string>} keys `name`, `email`, `exam` or `form`
 */
export function startErrors(status, body) {
  const error = body?.error ?? {};
  if (status === 429) return { form: "Too many sessions were opened from your network. Please try again later." };
  if (status === 400 && Array.isArray(error.details)) {
    const errors = {};
    for (const { field } of error.details) {
      const key = String(field).split(".")[0];
      if (Object.hasOwn(FIELD_MESSAGES, key)) errors[key] = FIELD_MESSAGES[key];
      else errors.form = "Check the form and try again.";
    }
    if (Object.keys(errors).length) return errors;
  }
  if (error.code === "unknown_exam") return { exam: FIELD_MESSAGES.exam };
  return { form: "The session could not be opened. Please try again in a moment." };
}

/**
 * Show `errors` in the form: each field's message under it (`aria-invalid`, `aria-describedby`), the rest on top.
 * @param {HTMLFormElement} form
 * @param {Record<string, string>} errors
 */
function showErrors(form, errors) {
  const doc = form.ownerDocument;
  form.querySelectorAll("[data-start-error]").forEach((node) => node.remove());
  for (const input of form.querySelectorAll("input, select")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  for (const [key, message] of Object.entries(errors)) {
    const note = doc.createElement("p");
    note.className = "error";
    note.dataset.startError = key;
    note.textContent = message;
    const input = key === "form" ? null : form.elements.namedItem(key);
    if (input instanceof Element) {
      note.id = `${key}-error`;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      input.after(note);
    } else {
      note.setAttribute("role", "alert");
      form.prepend(note);
    }
  }
  form.querySelector("[aria-invalid=true]")?.focus();
}

/**
 * @param {HTMLFormElement} form carries `data-api-base` and `data-monitor-url` (with `{id}` for the session id);
 *   the rules of the chosen exam (`.exam-rules[data-exam=slug]`) are shown, the others hidden
 * @param {{fetch?: typeof fetch, location?: Location, storage?: Storage | null}} [options]
 */
export function mountStartPage(form, { fetch: fetchFn = globalThis.fetch.bind(globalThis), location = window.location, storage } = {}) {
  const { apiBase, monitorUrl } = form.dataset;
  const exam = form.elements.namedItem("exam");
  const showRules = () =>
    form.querySelectorAll(".exam-rules").forEach((rules) => {
      rules.hidden = rules.dataset.exam !== exam?.value;
    });
  exam?.addEventListener("change", showRules);
  showRules(); // without this script every exam's rules stay listed
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    const data = new FormData(form);
    const body = { name: String(data.get("name") ?? "").trim(), email: String(data.get("email") ?? "").trim() };
    if (data.get("exam")) body.exam = String(data.get("exam"));
    try {
      const response = await fetchFn(`${apiBase}/sessions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
      const answer = await response.json().catch(() => null);
      if (response.status !== 201 || !answer?.id || !answer?.token) {
        showErrors(form, startErrors(response.status, answer));
        return;
      }
      rememberToken(answer.id, answer.token, storage);
      location.assign(`${monitorUrl.replace("{id}", encodeURIComponent(answer.id))}#token=${encodeURIComponent(answer.token)}`);
    } catch {
      showErrors(form, { form: "No connection to the service. Check your connection and try again." });
    } finally {
      busy = false;
      if (button) button.disabled = false;
    }
  });
}

const form = globalThis.document?.getElementById("start-form");
if (form) mountStartPage(/** @type {HTMLFormElement} */ (form));
