/**
 * The transport (transport.js) as the widget sets it up: what waits is kept in the tab's `sessionStorage` for the
 * next page of the sitting, at most {@link MAX_QUEUED_FRAMES} frames wait, the browser's own idea of being online
 * is asked, and what is given up is logged and reported as the notice `observations_lost`, one per burst (see
 * lib/lostReports.js), together with whatever the previous page of the sitting could not keep.
 *
 * @module widgetTransport
 */

import { lostTotal } from "./lib/backlog.js";
import { createLostReporter } from "./lib/lostReports.js";
import { tabStorage } from "./lib/sitting.js";
import { createTransport } from "./transport.js";

/** Frames kept while offline (2 minutes at one a second); older ones give way, leaving a gap the server records. */
export const MAX_QUEUED_FRAMES = 120;

/**
 * @param {Pick<import("./transport.js").TransportOptions,
 *   "apiBase" | "sessionId" | "token" | "fetch" | "onAnswer" | "onConnection" | "onFatal">} options
 * @returns {{transport: ReturnType<typeof createTransport>, lostReports: import("./lib/lostReports.js").LostReporter}}
 */
export function createWidgetTransport({ apiBase, sessionId, token, fetch, onAnswer, onConnection, onFatal }) {
  const lostReports = createLostReporter((capturedAtMs) => transport.reportLost(capturedAtMs));
  const transport = createTransport({
    apiBase,
    sessionId,
    token,
    fetch,
    isOnline: () => navigator.onLine !== false,
    maxQueued: { frames: MAX_QUEUED_FRAMES },
    storage: tabStorage(),
    onAnswer,
    onConnection,
    onDropped(item, error) {
      console.warn(`proctor widget: ${item.stream} #${item.seq} given up: ${error.message}`);
      lostReports.soon();
    },
    onFatal,
  });
  if (lostTotal(transport.lost) > 0) lostReports.soon(); // what the previous page of this sitting could not keep
  return { transport, lostReports };
}
