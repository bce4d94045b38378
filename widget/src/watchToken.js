/**
 * Before monitoring starts, a newer launch of the activity can replace the page's token at any time (another
 * window, another tab). This calls a check when the page is shown or focused, and every `intervalMs`, so a
 * replaced page finds out before the candidate goes through consent and the device check.
 *
 * @module watchToken
 */

/** How often the token is checked while nothing else would notice a replaced one. */
export const RECHECK_MS = 15000;

/**
 * @param {() => void} check asks the server whether the token still holds
 * @param {{intervalMs?: number, document?: Document, window?: Window,
 *   setTimer?: (fn: () => void, ms: number) => any, clearTimer?: (id: any) => void}} [options]
 * @returns {() => void} stop watching
 */
export function watchToken(
  check,
  {
    intervalMs = RECHECK_MS,
    document: doc = document,
    window: win = window,
    setTimer = (fn, ms) => setInterval(fn, ms),
    clearTimer = (id) => clearInterval(id),
  } = {},
) {
  const onVisibility = () => {
    if (doc.visibilityState === "visible") check();
  };
  const onFocus = () => check();
  const timer = setTimer(check, intervalMs);
  doc.addEventListener("visibilitychange", onVisibility);
  win.addEventListener("focus", onFocus);
  return () => {
    clearTimer(timer);
    doc.removeEventListener("visibilitychange", onVisibility);
    win.removeEventListener("focus", onFocus);
  };
}
