/**
 * On-device analysis mode: each second's JPEG is analysed in the browser and only the verdict leaves, with the
 * SHA-256 of that JPEG (commit); the JPEG is kept for {@link KEEP_MS} and sent only when the service asks for it
 * (reveal). Verdicts and the audio reports of the same seconds leave in batches ({@link createBatcher}). When the
 * runtime cannot load, or detection is too slow on this device, the widget falls back to sending frames for the
 * service to analyse, and says so.
 *
 * @module ondevice/mode
 */

import { audioBody, createSequence, formatCapturedAt } from "../lib/events.js";
import { BATCH_MS, createBatcher } from "./batches.js";
import { loadFinder } from "./finder.js";

/** How long a JPEG is kept for a reveal request (the service waits two minutes for it). */
export const KEEP_MS = 5 * 60 * 1000;
/** Median detection time above which the device is too slow, measured over the first {@link SLOW_SAMPLE} frames. */
export const SLOW_MS = 400;
export const SLOW_SAMPLE = 5;
const RETRIES = 3;

let preloaded = null;

/**
 * Start loading the runtime and models (during the device check), once.
 * @param {Parameters<typeof loadFinder>[0]} [options]
 */
export function preloadFinder(options) {
  preloaded ??= loadFinder(options);
  return preloaded;
}

/** @param {Blob} blob */
export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * @typedef {object} OnDeviceOptions
 * @property {string} apiBase @property {string} sessionId @property {string} token
 * @property {(capture: (image: Blob, capturedAtMs: number) => void) => () => void} capture starts the JPEG
 *   capture (the same frames server analysis would send) and returns its stop function
 * @property {(answer: any) => void} onAnswer each verdict's, audio report's or reveal's answer (face status,
 *   violations), in order
 * @property {(reason: string) => () => void} fallback switch to server analysis; returns its stop function
 * @property {(error: {status?: number}) => void} [onFatal] the session refuses verdicts (ended, token revoked)
 * @property {typeof fetch} [fetch]
 * @property {Promise<{find: Function}>} [finder] the loaded finder (default: {@link preloadFinder})
 * @property {(blob: Blob) => Promise<{width: number, height: number, close: () => void}>} [decodeImage]
 * @property {number} [batchMs] how long verdicts wait for company (default {@link BATCH_MS})
 */

/**
 * @typedef {object} OnDevice
 * @property {(report: {is_silent: boolean, level: number}, capturedAtMs: number) => boolean} postAudio queue one
 *   second of audio activity with the verdicts; false once the widget fell back to server analysis (then the
 *   report goes the usual way)
 * @property {() => void} flush the page goes away: send what waits with `keepalive`
 * @property {() => Promise<void>} stop stop capturing, send what waits, and take nothing more
 */

/**
 * Run on-device analysis until `stop()` is called.
 * @param {OnDeviceOptions} options
 * @returns {OnDevice}
 */
export function startOnDevice({
  apiBase, sessionId, token, capture, onAnswer, fallback, onFatal = () => {},
  fetch: fetchFn = globalThis.fetch.bind(globalThis), finder = undefined, decodeImage = (blob) => createImageBitmap(blob),
  batchMs = BATCH_MS,
}) {
  const base = `${apiBase.replace(/\/+$/, "")}/sessions/${encodeURIComponent(sessionId)}`;
  const nextSeq = createSequence();
  const kept = new Map(); // seq -> {blob, at}
  const timings = [];
  let stopCapture = () => {};
  let stopped = false;
  let onServer = false;
  let stopping = null;
  let chain = Promise.resolve();

  async function post(path, body, contentType, { keepalive = false, retries = RETRIES } = {}) {
    for (let attempt = 1; ; attempt += 1) {
      let response;
      try {
        response = await fetchFn(`${base}${path}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": contentType },
          body,
          keepalive,
          credentials: "omit",
          cache: "no-store",
        });
      } catch (error) {
        if (attempt >= retries || stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        continue;
      }
      const data = await response.json().catch(() => null);
      if (response.ok) return data;
      const error = Object.assign(new Error(data?.error?.message ?? `HTTP ${response.status}`), { status: response.status });
      if ([401, 403, 409].includes(response.status)) {
        batches.stop();
        onFatal(error);
      }
      throw error;
    }
  }

  /** @param {import("./batches.js").Batch} batch */
  async function sendBatch(batch, { keepalive }) {
    const answer = await post("/verdicts", JSON.stringify(batch), "application/json", { keepalive, retries: 1 });
    if (keepalive) return;
    [...(answer?.verdicts ?? []), ...(answer?.audio ?? [])].forEach((result) => onAnswer(result));
    for (const seq of answer?.reveal ?? []) {
      const entry = kept.get(seq);
      if (entry) onAnswer(await post(`/verdicts/${seq}/frame`, entry.blob, "image/jpeg"));
    }
  }

  const batches = createBatcher({
    send: sendBatch,
    batchMs,
    onDropped: (batch, error) =>
      console.warn(`proctor widget: ${batch.verdicts.length} verdicts refused: ${error.message}`),
  });

  function switchToServer(reason) {
    if (stopping) return;
    onServer = true;
    stopCapture();
    stopCapture = fallback(reason);
    batches.sendNow().catch(() => {});
  }

  async function judge(finder, blob, capturedAtMs) {
    const bitmap = await decodeImage(blob);
    const verdict = await finder.find(bitmap, bitmap.width, bitmap.height);
    bitmap.close();
    timings.push(verdict.ms);
    if (timings.length === SLOW_SAMPLE) {
      const median = [...timings].sort((a, b) => a - b)[Math.floor(SLOW_SAMPLE / 2)];
      if (median > SLOW_MS) switchToServer(`detection takes ${Math.round(median)} ms a frame on this device`);
    }
    const seq = nextSeq();
    kept.set(seq, { blob, at: capturedAtMs });
    for (const [old, entry] of kept) if (capturedAtMs - entry.at > KEEP_MS) kept.delete(old);
    batches.addVerdict({
      seq,
      captured_at: formatCapturedAt(capturedAtMs),
      width: verdict.width,
      height: verdict.height,
      faces: verdict.faces,
      quality: verdict.quality,
      sha256: await sha256Hex(blob),
    });
  }

  (finder ?? preloadFinder()).then(
    (finder) => {
      if (stopping) return;
      stopCapture = capture((blob, capturedAtMs) => {
        chain = chain
          .then(() => (stopped ? null : judge(finder, blob, capturedAtMs)))
          .catch((error) => console.warn(`proctor widget: no verdict for a frame: ${error.message}`));
      });
    },
    (error) => switchToServer(`the analysis runtime could not load (${error?.message ?? error})`),
  );

  return {
    postAudio(report, capturedAtMs) {
      if (stopped || onServer) return false;
      batches.addAudio(audioBody(report, nextSeq(), capturedAtMs));
      return true;
    },
    flush: () => batches.flush(),
    stop() {
      stopping ??= (async () => {
        stopCapture();
        await chain;
        stopped = true;
        await batches.drain().catch(() => {});
        kept.clear();
      })();
      return stopping;
    },
  };
}
