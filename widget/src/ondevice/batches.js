/**
 * Batches of on-device mode: the verdict of each second and the audio report of each second wait here and leave
 * together in one `POST /verdicts` every {@link BATCH_MS}; the first verdict, and one whose face count (or lone
 * face's turned verdict) differs from the one before, leave at once, so the candidate's face status and the
 * service's rules lag no change by seconds; and what waits leaves when the page goes away or monitoring stops. One request every few seconds instead of two
 * a second is what lets one service watch a thousand candidates.
 *
 * A batch that fails stays waiting and leaves again with the next one (the service answers repeated seqs with
 * their first answers and counts nothing twice); a batch the service refuses for good (another 4xx) is dropped so
 * it cannot block what follows. At most {@link MAX_WAITING} seconds wait; older ones give way (a gap the reviewer
 * sees).
 *
 * @module ondevice/batches
 */

/** How long a verdict or an audio report waits for company. */
export const BATCH_MS = 5000;
/** Verdicts (and, separately, audio reports) per request: the service's limit. */
export const MAX_BATCH = 30;
/** A request's body stays under this (the service takes 64 KiB; Chromium's keepalive budget is 64 KiB). */
export const MAX_BATCH_BYTES = 48 * 1024;
/** Verdicts (and audio reports) kept while the service cannot be reached: five minutes. */
export const MAX_WAITING = 300;

/**
 * @typedef {{seq: number, faces: Array<{turned?: boolean | null}>}} VerdictBody
 * @typedef {{seq: number}} AudioBody
 * @typedef {{verdicts: VerdictBody[], audio: AudioBody[]}} Batch
 */

/**
 * @param {object} options
 * @param {(batch: Batch, init: {keepalive: boolean}) => Promise<void>} options.send deliver one batch; rejects
 *   with `{status}` on an HTTP error (0 or none: no answer)
 * @param {number} [options.batchMs]
 * @param {(batch: Batch, error: Error) => void} [options.onDropped] a batch the service refused for good
 */
export function createBatcher({ send, batchMs = BATCH_MS, onDropped = () => {} }) {
  /** @type {Batch} */
  const waiting = { verdicts: [], audio: [] };
  let timer = null;
  let inFlight = null;
  let again = false;
  let stopped = false;
  let previous = null;

  const size = () => waiting.verdicts.length + waiting.audio.length;

  /** The oldest waiting items, within the limits. */
  function take() {
    const batch = { verdicts: [], audio: [] };
    let bytes = 32;
    for (const list of /** @type {const} */ (["verdicts", "audio"])) {
      for (const item of waiting[list]) {
        const length = JSON.stringify(item).length + 1;
        if (batch[list].length >= MAX_BATCH || bytes + length > MAX_BATCH_BYTES) break;
        bytes += length;
        batch[list].push(item);
      }
    }
    return batch;
  }

  /** @param {Batch} batch */
  function remove(batch) {
    for (const list of /** @type {const} */ (["verdicts", "audio"])) {
      const sent = new Set(batch[list]);
      waiting[list] = waiting[list].filter((item) => !sent.has(item));
    }
  }

  function schedule() {
    if (timer === null && !stopped && size()) timer = setTimeout(sendNow, batchMs);
  }

  /** Send what waits now (after the request in flight, if any); resolves when it is answered. */
  function sendNow() {
    clearTimeout(timer);
    timer = null;
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const batch = take();
    if (!batch.verdicts.length && !batch.audio.length) return Promise.resolve();
    inFlight = send(batch, { keepalive: false })
      .then(
        () => remove(batch),
        (error) => {
          if (error?.status >= 400 && error.status < 500 && ![408, 425, 429].includes(error.status)) {
            remove(batch);
            onDropped(batch, error);
          }
        },
      )
      .finally(() => {
        inFlight = null;
        if (again && !stopped) {
          again = false;
          return sendNow();
        }
        schedule();
        return undefined;
      });
    return inFlight;
  }

  /** @param {"verdicts" | "audio"} list @param {any} item */
  function keep(list, item) {
    waiting[list].push(item);
    if (waiting[list].length > MAX_WAITING) waiting[list].shift();
  }

  /** Whether a verdict is the first or differs from the one before in what the candidate would be told. */
  function changed(verdict) {
    const key = `${verdict.faces.length}:${verdict.faces.length === 1 ? Boolean(verdict.faces[0].turned) : ""}`;
    const differs = key !== previous;
    previous = key;
    return differs;
  }

  return {
    /** @param {VerdictBody} verdict */
    addVerdict(verdict) {
      if (stopped) return;
      keep("verdicts", verdict);
      if (changed(verdict)) sendNow();
      else schedule();
    },

    /** @param {AudioBody} report */
    addAudio(report) {
      if (stopped) return;
      keep("audio", report);
      schedule();
    },

    sendNow,

    /**
     * The page is going away: send what waits with `keepalive`, which outlives the page. The items stay waiting:
     * if the page lives on they leave again with the same seqs, which the service recognises.
     */
    flush() {
      const batch = take();
      if (batch.verdicts.length || batch.audio.length) send(batch, { keepalive: true }).catch(() => {});
    },

    /** Send everything waiting (a few tries), then take nothing more. */
    async drain() {
      for (let attempt = 0; attempt < 3 && (size() || inFlight); attempt += 1) {
        if (inFlight) await inFlight;
        while (size()) {
          const before = size();
          await sendNow();
          if (size() >= before) break;
        }
      }
      stopped = true;
      clearTimeout(timer);
    },

    /** Drop everything without sending (the session refuses more). */
    stop() {
      stopped = true;
      clearTimeout(timer);
      waiting.verdicts = [];
      waiting.audio = [];
    },

    get waiting() {
      return size();
    },
  };
}
