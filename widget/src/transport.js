/**
 * Talks to the REST API (DESIGN §7): one ordered retry queue per stream (frames, audio, page events), the end
 * call, and a last-chance flush when the page goes away.
 *
 * The session token travels in an `Authorization: Bearer` header and no cookie is sent, so the widget works
 * inside an LMS iframe where third-party cookies are blocked. Each stream is sent in order, one request at a
 * time, because the server never lets a stream move backwards in time; the streams do not wait for each other.
 *
 * Given a `storage` (the tab's sessionStorage), what is not acknowledged yet is kept there as it changes, and a
 * transport created later for the same session (a reload) sends it first and counts what could not be kept as lost
 * (see lib/backlog.js). Whatever is given up is counted per stream until {@link reportLost} sends the count.
 *
 * @module transport
 */

import { createKeeper } from "./lib/backlog.js";
import { createRetryQueue } from "./lib/retryQueue.js";
import { audioBody, createSequence, formatCapturedAt, frameBody, pageEventBody } from "./lib/events.js";

/** Statuses worth retrying without limit: the request did not get through or the server asked to wait. */
const TRANSIENT = new Set([408, 425, 429, 502, 503, 504]);

/** Other server errors are retried this many times, then the item is dropped so it cannot block its stream. */
const MAX_SERVER_ERROR_TRIES = 5;

/** Chromium refuses keepalive requests beyond 64 KiB in flight; a flush stays under this. */
const KEEPALIVE_BUDGET = 60 * 1024;


/**
 * Why a retried request waits, in the candidate's terms.
 * @param {ApiError} error
 * @returns {"unreachable" | "server_error"}
 */
export function failureReason(error) {
  return error?.status ? "server_error" : "unreachable";
}

/** An HTTP or network failure, with whether it is worth retrying. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, retryable?: boolean, details?: any}} [info] `status` 0: no answer
   */
  constructor(message, { status = 0, code = "network_error", retryable = false, details = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryable = retryable;
    this.details = details;
  }
}

/**
 * @typedef {"frames" | "audio" | "events"} Stream
 * @typedef {{stream: Stream, seq: number, capturedAtMs: number, body: any, tries: number}} Item
 */

/**
 * @typedef {object} TransportOptions
 * @property {string} apiBase e.g. `/api/v1` or `https://proctor.example.org/api/v1`
 * @property {string} sessionId
 * @property {string} token the session token (sent as a Bearer header)
 * @property {typeof fetch} [fetch]
 * @property {(stream: Stream, answer: any, item: Item) => void} [onAnswer] each server answer, in order per stream
 * @property {(connection: {online: boolean, queued: number, reason?: string}) => void} [onConnection] connectivity
 *   or backlog changed; `reason` says why observations wait: `offline` (the browser), `unreachable` (no answer),
 *   `server_error` (the service answered with an error)
 * @property {(error: ApiError) => void} [onFatal] the session ended elsewhere (409) or the token is refused (401/403)
 * @property {(item: Item, error: Error) => void} [onDropped] an observation given up (refused for good, or pushed
 *   out of a full backlog); it is counted for the next {@link reportLost}
 * @property {() => boolean} [isOnline] the browser's own idea (navigator.onLine)
 * @property {() => number} [now]
 * @property {import("./lib/retryQueue.js").RetryQueueOptions} [queue] retry tuning shared by the streams
 * @property {{frames?: number, audio?: number, events?: number}} [maxQueued] backlog caps per stream
 * @property {Storage | null} [storage] where the backlog outlives the page (the tab's sessionStorage); none: kept in
 *   the page only
 */

/**
 * Create the API client of one session.
 * @param {TransportOptions} options
 */
export function createTransport(options) {
  const {
    apiBase,
    sessionId,
    token,
    fetch: fetchFn = globalThis.fetch.bind(globalThis),
    onAnswer = () => {},
    onConnection = () => {},
    onFatal = () => {},
    onDropped = () => {},
    isOnline = () => true,
    now = Date.now,
    queue: queueOptions = {},
    maxQueued = {},
    storage = null,
  } = options;
  const base = `${apiBase.replace(/\/+$/, "")}/sessions/${encodeURIComponent(sessionId)}`;
  const keeper = createKeeper(storage, sessionId, () => Object.values(lanes).flatMap((lane) => lane.pending()));
  const nextSeq = createSequence(now, Math.max(0, ...keeper.restored.map((item) => item.seq)));
  let fatal = null;
  let lastConnection = "";

  /**
   * @param {string} path
   * @param {{method?: string, json?: any, blob?: Blob, keepalive?: boolean}} [init]
   */
  async function request(path, { method = "POST", json, blob, keepalive = false } = {}) {
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    let body;
    if (blob !== undefined) {
      headers["Content-Type"] = blob.type || "image/jpeg";
      body = blob;
    } else if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetchFn(`${base}${path}`, {
        method,
        headers,
        body,
        keepalive,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw new ApiError(`network error: ${error?.message ?? error}`, { retryable: true });
    }
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const info = data?.error ?? {};
    throw new ApiError(info.message || `HTTP ${response.status}`, {
      status: response.status,
      code: info.code || `http_${response.status}`,
      retryable: TRANSIENT.has(response.status) || response.status >= 500,
      details: info.details ?? null,
    });
  }

  /** @param {Item} item */
  function deliver(item) {
    item.tries += 1;
    if (item.stream === "frames" && item.body instanceof Blob) {
      const query = `?seq=${item.seq}&captured_at=${formatCapturedAt(item.capturedAtMs)}`;
      return request(`/frames${query}`, { blob: item.body });
    }
    return request(`/${item.stream}`, { json: item.body, keepalive: item.stream !== "frames" });
  }

  /** @param {Item} item */
  async function send(item) {
    try {
      return await deliver(item);
    } catch (error) {
      if (error.status >= 500 && !TRANSIENT.has(error.status) && item.tries >= MAX_SERVER_ERROR_TRIES) {
        error.retryable = false;
      }
      if (error.status === 409 || error.status === 401 || error.status === 403) stopAll(error);
      throw error;
    }
  }

  function stopAll(error) {
    if (fatal) return;
    fatal = error;
    Object.values(lanes).forEach((lane) => lane.stop());
    keeper.forget();
    onFatal(error);
  }

  function reportConnection() {
    const states = Object.values(lanes).map((lane) => lane.state);
    const failing = states.find((state) => state.failing && state.lastError?.retryable);
    const reason = !isOnline() ? "offline" : failing ? failureReason(failing.lastError) : null;
    const queued = states.reduce((sum, state) => sum + state.size, 0);
    const key = `${reason}:${queued}`;
    if (key === lastConnection) return;
    lastConnection = key;
    onConnection({ online: !reason, queued, ...(reason ? { reason } : {}) });
  }

  /** @param {Stream} stream */
  function lane(stream) {
    return createRetryQueue(send, {
      ...queueOptions,
      maxItems: maxQueued[stream] ?? Infinity,
      onSent: (item, answer) => onAnswer(stream, answer, item),
      onDropped: (item, error) => {
        if (fatal) return;
        keeper.countLost(item, error);
        onDropped(item, error);
      },
      onChange: () => {
        reportConnection();
        keeper.persistSoon();
      },
    });
  }

  const lanes = { frames: lane("frames"), audio: lane("audio"), events: lane("events") };
  for (const item of keeper.restored) lanes[item.stream].push({ ...item, tries: 0 });

  /**
   * @param {Stream} stream
   * @param {(seq: number) => any} build
   * @param {number} capturedAtMs
   * @returns {number | null} the observation's seq, or null once the session is over
   */
  function enqueue(stream, build, capturedAtMs) {
    if (fatal) return null;
    const seq = nextSeq();
    const item = { stream, seq, capturedAtMs, body: build(seq), tries: 0 };
    lanes[stream].push(item);
    if (item.body instanceof Blob) keeper.keepFrame(item, () => lanes.frames.pending());
    return seq;
  }

  return {
    /**
     * Queue a frame: a JPEG `Blob` (sent as a raw `image/jpeg` body) or a data URL (sent as JSON).
     * @param {Blob | string} image
     * @param {number} capturedAtMs
     */
    postFrame(image, capturedAtMs) {
      return enqueue(
        "frames",
        (seq) => (typeof image === "string" ? frameBody(image, seq, capturedAtMs) : image),
        capturedAtMs,
      );
    },

    /**
     * Queue one second of audio activity.
     * @param {{is_silent: boolean, level: number}} report
     * @param {number} capturedAtMs
     */
    postAudio(report, capturedAtMs) {
      return enqueue("audio", (seq) => audioBody(report, seq, capturedAtMs), capturedAtMs);
    },

    /**
     * Queue a page event or device notice.
     * @param {string} type
     * @param {number} capturedAtMs
     */
    postEvent(type, capturedAtMs) {
      return enqueue("events", (seq) => pageEventBody(type, seq, capturedAtMs), capturedAtMs);
    },

    /**
     * Queue the notice `observations_lost` with what was given up since the last report, per stream (also what a
     * previous page of the sitting could not keep); nothing when nothing was lost.
     * @param {number} capturedAtMs
     * @returns {number | null} the notice's seq
     */
    reportLost(capturedAtMs) {
      const counts = fatal ? null : keeper.takeLost();
      if (!counts) return null;
      return enqueue(
        "events",
        (seq) => pageEventBody("observations_lost", seq, capturedAtMs, { lost: counts }),
        capturedAtMs,
      );
    },

    /** Given up and not reported yet, per stream. */
    get lost() {
      return keeper.lost;
    },

    /** Try the waiting requests now instead of after their back-off (the browser says it is online again). */
    retryNow() {
      Object.values(lanes).forEach((lane) => lane.retryNow());
    },

    /**
     * Last chance before the page goes away: send what is waiting on the small streams with `keepalive`, which
     * outlives the page and, unlike `sendBeacon`, can carry the Authorization header. The items stay queued;
     * if the page lives on they are sent again with the same seq, which the server ignores. What waits is written to
     * storage at once, for the next page of the sitting. Of a stream whose requests are failing only the oldest
     * item is sent: a backlog sent at once goes out in parallel and could reach the service out of order (a later
     * item then judged when it arrives, not when it happened: a tab switch counted twice); the kept backlog
     * carries the rest, in order, to the next page.
     */
    flush() {
      if (fatal) return;
      keeper.persist();
      let budget = KEEPALIVE_BUDGET;
      for (const stream of /** @type {Stream[]} */ (["events", "audio"])) {
        const waiting = lanes[stream].waiting();
        for (const item of lanes[stream].state.failing ? waiting.slice(0, 1) : waiting) {
          const size = JSON.stringify(item.body).length + 200;
          if (size > budget) return;
          budget -= size;
          request(`/${stream}`, { json: item.body, keepalive: true }).catch(() => {});
        }
      }
    },

    /**
     * Wait until everything queued is delivered (or refused for good).
     * @returns {Promise<boolean>}
     */
    async drain() {
      const results = await Promise.all(Object.values(lanes).map((lane) => lane.drain()));
      return results.every(Boolean);
    },

    /**
     * End the session and get its score report; retried until the server answers. Idempotent on the server.
     * @returns {Promise<{score: number, risk_level: string, penalties: any[]}>}
     */
    end() {
      Object.values(lanes).forEach((lane) => lane.stop());
      return new Promise((resolve, reject) => {
        const ending = createRetryQueue(() => request("/end"), {
          ...queueOptions,
          onSent: (_item, report) => {
            keeper.forget();
            resolve(report);
          },
          onDropped: (_item, error) => reject(error),
          onChange: (state) =>
            onConnection(
              state.failing
                ? { online: false, queued: 0, reason: isOnline() ? failureReason(state.lastError) : "offline" }
                : { online: true, queued: 0 },
            ),
        });
        ending.push({ end: true });
      });
    },

    /**
     * Tell the server that monitoring started (consent given, device check passed), so a page that loads again
     * resumes without asking again. Retried until the server answers; idempotent on the server. A refused token
     * or an ended session goes to `onFatal`, like any other call.
     * @returns {Promise<any>} the session's state
     */
    start() {
      return new Promise((resolve, reject) => {
        const starting = createRetryQueue(
          async () => {
            try {
              return await request("/start");
            } catch (error) {
              if ([401, 403, 409].includes(error.status)) stopAll(error);
              throw error;
            }
          },
          {
            ...queueOptions,
            onSent: (_item, state) => resolve(state),
            onDropped: (_item, error) => reject(error),
          },
        );
        starting.push({ start: true });
      });
    },

    /** The session's state as the server sees it (`GET /sessions/{id}`). */
    session() {
      return request("", { method: "GET" });
    },

    /** Stop sending; anything still queued is discarded here, after it is written to storage for the next page. */
    stop() {
      if (!fatal) keeper.persist();
      Object.values(lanes).forEach((lane) => lane.stop());
    },

    /** Total observations waiting. */
    get queued() {
      return Object.values(lanes).reduce((sum, lane) => sum + lane.state.size, 0);
    },
  };
}
