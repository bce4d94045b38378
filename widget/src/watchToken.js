/**
 * Before monitoring starts, a newer launch of the activity can replace the page's token at any time (another
 * window, another tab). This calls a check when the page is shown or focused, and every `intervalMs`, so a
 * replaced page finds out before the candidate goes through consent and the device check. {@link recheckToken}
 * asks the service at those moments and acts on its answer.
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

/**
 * @typedef {object} TokenRecheckOptions
 * @property {() => Promise<{active?: boolean} | null>} session asks the service for the session's state
 * @property {() => boolean} applies whether the page is still before monitoring (asked again when the answer
 *   comes: the page may have moved on meanwhile)
 * @property {() => void} onEnded the session is no longer active: it was ended elsewhere
 * @property {(error: {status?: number}) => void} onRefused the token is refused (401, 403, 404): a newer launch
 *   replaced this page, or the link is no longer valid
 * @property {typeof watchToken} [watch] when to check (default {@link watchToken})
 */

/**
 * Check the token while the page is before monitoring (see {@link watchToken}), and act on what the service says.
 * An answer that cannot be had (the network) changes nothing: the next check asks again.
 *
 * @param {TokenRecheckOptions} options
 * @returns {{start: () => void, stop: () => void}} `start` is idempotent
 */
export function recheckToken({ session, applies, onEnded, onRefused, watch = watchToken }) {
  let stopWatching = null;
  function recheck() {
    if (!applies()) return;
    session().then(
      (state) => {
        if (state?.active === false && applies()) onEnded();
      },
      (error) => {
        if ([401, 403, 404].includes(error.status) && applies()) onRefused(error);
      },
    );
  }
  return {
    start() {
      stopWatching ??= watch(recheck);
    },
    stop() {
      stopWatching?.();
      stopWatching = null;
    },
  };
}
