/**
 * What survives a reload of the monitoring page: the observations the service has not acknowledged yet, and the
 * count of those given up but not yet reported. The transport writes them to the tab's `sessionStorage` (per tab,
 * per site, gone with the tab) whenever a queue changes; the next page of the same sitting reads them back, sends
 * the kept observations with their original `seq` (the service ignores any it already had) and reports the rest
 * as lost.
 *
 * Storage holds a few megabytes, and a frame is a JPEG, so not everything is kept:
 * - audio reports and page events: the newest {@link KEEP_OBSERVATIONS};
 * - frames: the newest {@link KEEP_FRAMES} (as data URLs);
 * - everything else waiting is counted, per stream, as lost, and reported in one `observations_lost` notice.
 *
 * Where storage is unavailable (blocked, or a sandboxed frame), nothing is kept: what was waiting when the page
 * went away is gone without a count, as it would be without this module.
 *
 * @module lib/backlog
 */

import { frameBody } from "./events.js";

/** Audio reports and page events kept across a reload (10 minutes of audio at one a second). */
export const KEEP_OBSERVATIONS = 600;

/** Frames kept across a reload, newest first; a frame is some 20-40 kB as a data URL. */
export const KEEP_FRAMES = 5;

const STREAMS = /** @type {const} */ (["frames", "audio", "events"]);

/**
 * @typedef {{frames: number, audio: number, events: number}} Lost
 * @typedef {{stream: "frames" | "audio" | "events", seq: number, capturedAtMs: number, body: any}} SavedItem
 * @typedef {{items: SavedItem[], lost: Lost}} Backlog
 */

/** @returns {Lost} */
export function noneLost() {
  return { frames: 0, audio: 0, events: 0 };
}

/** @param {Lost} lost */
export function lostTotal(lost) {
  return STREAMS.reduce((sum, stream) => sum + (lost[stream] || 0), 0);
}

/**
 * The JSON body a frame can be kept with: a data URL frame's own body, or the data URL its `Blob` was read into
 * (`item.keep`, see {@link frameKeepBody}); `undefined` while a `Blob` has not been read.
 * @param {{body: any, keep?: any}} item
 */
function keptFrameBody(item) {
  if (typeof Blob !== "undefined" && item.body instanceof Blob) return item.keep;
  return item.body;
}

/**
 * What is kept of the observations waiting now, and what is counted as lost.
 * @param {Array<{stream: string, seq: number, capturedAtMs: number, body: any, keep?: any}>} waiting every
 *   observation not acknowledged yet, oldest first within each stream
 * @param {Lost} lost given up earlier and not reported yet
 * @returns {Backlog}
 */
export function snapshot(waiting, lost) {
  const counted = { ...noneLost(), ...lost };
  const frames = waiting.filter((item) => item.stream === "frames" && keptFrameBody(item) !== undefined);
  const others = waiting.filter((item) => item.stream !== "frames");
  const kept = new Set([...frames.slice(-KEEP_FRAMES), ...others.slice(-KEEP_OBSERVATIONS)]);
  const items = [];
  for (const item of waiting) {
    if (!kept.has(item)) {
      counted[item.stream] += 1;
      continue;
    }
    const body = item.stream === "frames" ? keptFrameBody(item) : item.body;
    items.push({ stream: item.stream, seq: item.seq, capturedAtMs: item.capturedAtMs, body });
  }
  return { items, lost: counted };
}

const key = (sessionId) => `proctor.backlog.${sessionId}`;

/**
 * Write the backlog (or remove it when there is nothing to keep). If storage refuses it (full), the frames are
 * counted as lost and the rest is tried again; if that fails too, only the counts are kept.
 * @param {Storage | null} storage
 * @param {string} sessionId
 * @param {Backlog} backlog
 */
export function saveBacklog(storage, sessionId, backlog) {
  if (!storage) return;
  if (backlog.items.length === 0 && lostTotal(backlog.lost) === 0) {
    try {
      storage.removeItem(key(sessionId));
    } catch {
      // refused: nothing was kept either
    }
    return;
  }
  const lighter = withoutFrames(backlog);
  for (const attempt of [backlog, lighter, { items: [], lost: lighter.lost }]) {
    try {
      storage.setItem(key(sessionId), JSON.stringify(attempt));
      return;
    } catch {
      // full or refused: try with less
    }
  }
}

/** @param {Backlog} backlog */
function withoutFrames(backlog) {
  const frames = backlog.items.filter((item) => item.stream === "frames").length;
  return {
    items: backlog.items.filter((item) => item.stream !== "frames"),
    lost: { ...backlog.lost, frames: backlog.lost.frames + frames },
  };
}

/**
 * Read the backlog a previous page of this sitting left; anything malformed is ignored.
 * @param {Storage | null} storage
 * @param {string} sessionId
 * @returns {Backlog}
 */
export function loadBacklog(storage, sessionId) {
  let saved = null;
  try {
    saved = JSON.parse(storage?.getItem(key(sessionId)) ?? "null");
  } catch {
    saved = null;
  }
  const lost = noneLost();
  for (const stream of STREAMS) {
    const count = saved?.lost?.[stream];
    if (Number.isInteger(count) && count > 0) lost[stream] = count;
  }
  const items = (Array.isArray(saved?.items) ? saved.items : []).filter(
    (item) =>
      STREAMS.includes(item?.stream) &&
      Number.isSafeInteger(item.seq) &&
      Number.isFinite(item.capturedAtMs) &&
      item.body !== null &&
      typeof item.body === "object",
  );
  return { items, lost };
}

/**
 * Read a frame's JPEG into the JSON body it can be kept with (a data URL), so it can outlive the page.
 * @param {Blob} blob
 * @param {number} seq
 * @param {number} capturedAtMs
 */
export async function frameKeepBody(blob, seq, capturedAtMs) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return frameBody(`data:${blob.type || "image/jpeg"};base64,${btoa(binary)}`, seq, capturedAtMs);
}

/** Changes within this time are written to storage once. */
const PERSIST_DELAY_MS = 200;

/**
 * The transport's keeper of its backlog: what a previous page left, the count of what was given up, and the
 * writes to storage.
 * @param {Storage | null} storage none: nothing outlives the page, but losses are still counted
 * @param {string} sessionId
 * @param {() => Array<{stream: string, seq: number, capturedAtMs: number, body: any, keep?: any}>} pending every
 *   observation not acknowledged yet
 */
export function createKeeper(storage, sessionId, pending) {
  const restored = loadBacklog(storage, sessionId);
  const lost = restored.lost;
  let timer = null;
  let closed = false;

  function persist() {
    clearTimeout(timer);
    timer = null;
    if (!closed) saveBacklog(storage, sessionId, snapshot(pending(), lost));
  }

  function persistSoon() {
    if (storage && !closed && timer === null) timer = setTimeout(persist, PERSIST_DELAY_MS);
  }

  return {
    /** Observations a previous page of the sitting kept, to send first. */
    restored: restored.items,

    /** Write what waits to storage now. */
    persist,

    /** Write what waits to storage soon (changes come in bursts). */
    persistSoon,

    /** The session is over: nothing is left to keep, now or later. */
    forget() {
      clearTimeout(timer);
      timer = null;
      closed = true;
      saveBacklog(storage, sessionId, { items: [], lost: noneLost() });
    },

    /**
     * Count an observation given up. An `observations_lost` report given up after server errors gives its count
     * back for the next report; one the service refuses (4xx) does not, or it would be refused again and again.
     * @param {{stream: string, body: any}} item
     * @param {{status?: number}} [error]
     */
    countLost(item, error) {
      if (item.stream === "events" && item.body?.type === "observations_lost") {
        const refused = error?.status >= 400 && error.status < 500;
        if (!refused) for (const stream of STREAMS) lost[stream] += item.body.lost?.[stream] ?? 0;
      } else {
        lost[item.stream] += 1;
      }
    },

    /** @returns {Lost | null} the count since the last report, now reset; null when nothing was lost */
    takeLost() {
      if (lostTotal(lost) === 0) return null;
      const counts = { ...lost };
      Object.assign(lost, noneLost());
      return counts;
    },

    /** @returns {Lost} */
    get lost() {
      return { ...lost };
    },

    /**
     * Read a frame into a form storage can keep; only the newest {@link KEEP_FRAMES} frames hold such a copy.
     * @param {{body: Blob, seq: number, capturedAtMs: number, keep?: any}} item
     * @param {() => Array<{keep?: any}>} frames the frames not acknowledged yet, oldest first
     */
    keepFrame(item, frames) {
      if (!storage || closed) return;
      frameKeepBody(item.body, item.seq, item.capturedAtMs).then(
        (body) => {
          item.keep = body;
          const held = frames().filter((frame) => frame.keep);
          held.slice(0, -KEEP_FRAMES).forEach((frame) => delete frame.keep);
          persistSoon();
        },
        () => {}, // unreadable: the frame is counted as lost if a reload comes before it is delivered
      );
    },
  };
}
