/**
 * One session per sitting: the tab keeps the session token in `sessionStorage` (per tab, per site, gone with the
 * tab), so a reload of the monitoring page, whose address carries no token, resumes the same session instead of
 * asking for a new one. Where storage is unavailable (blocked, or a sandboxed frame) nothing is kept.
 *
 * @module lib/sitting
 */

const key = (sessionId) => `proctor.token.${sessionId}`;

/**
 * The tab's sessionStorage, or null where the browser refuses it.
 * @returns {Storage | null}
 */
export function tabStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // access denied, e.g. storage blocked for this frame
  }
}

/**
 * @param {string} sessionId
 * @param {string} token
 * @param {Storage | null} [storage]
 */
export function rememberToken(sessionId, token, storage = tabStorage()) {
  try {
    storage?.setItem(key(sessionId), token);
  } catch {
    // full or refused: the sitting then lasts as long as this document
  }
}

/**
 * @param {string} sessionId
 * @param {Storage | null} [storage]
 * @returns {string | null}
 */
export function recallToken(sessionId, storage = tabStorage()) {
  try {
    return storage?.getItem(key(sessionId)) ?? null;
  } catch {
    return null;
  }
}
