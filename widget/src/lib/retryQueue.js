/**
 * An ordered queue that sends one item at a time and retries the head with exponential back-off.
 *
 * Items leave the queue only when they were delivered or refused for good, so a network outage delays them and
 * loses none. A retried item is the same object (same `seq`), which lets the server recognise a delivery whose
 * answer was lost: retries never double-count.
 *
 * @module lib/retryQueue
 */

/**
 * @typedef {object} RetryQueueOptions
 * @property {(item: any) => void} [onSent] called with each item and its answer, in order
 * @property {(item: any, error: Error) => void} [onDropped] an item refused for good (or pushed out by `maxItems`)
 * @property {(state: QueueState) => void} [onChange] size or health changed
 * @property {number} [initialDelayMs=500] first retry delay
 * @property {number} [maxDelayMs=8000] longest retry delay
 * @property {number} [factor=2] delay growth per failed attempt
 * @property {number} [jitter=0.2] random spread of each delay, as a fraction (spreads retries of many clients)
 * @property {number} [maxItems=Infinity] when full, the oldest item not being sent is dropped
 * @property {(fn: () => void, ms: number) => any} [setTimer] injectable `setTimeout`
 * @property {(id: any) => void} [clearTimer] injectable `clearTimeout`
 * @property {() => number} [random] injectable `Math.random`
 */

/**
 * @typedef {object} QueueState
 * @property {number} size items waiting, including the one being sent
 * @property {boolean} failing the last attempt failed and a retry is scheduled
 * @property {number} attempt failed attempts of the current head
 * @property {Error | null} lastError the error of the last failed attempt
 */

/**
 * The retry delay after `attempt` failed attempts (1-based), before jitter.
 *
 * @param {number} attempt
 * @param {{initialDelayMs?: number, maxDelayMs?: number, factor?: number}} [options]
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, { initialDelayMs = 500, maxDelayMs = 8000, factor = 2 } = {}) {
  return Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, attempt - 1));
}

/**
 * Create a retry queue around `send`.
 *
 * `send(item)` resolves with the server's answer, or rejects with an error whose `retryable` property says
 * whether to try the same item again (network failure, 5xx, 429) or drop it (a refusal such as 400).
 *
 * @param {(item: any) => Promise<any>} send
 * @param {RetryQueueOptions} [options]
 */
export function createRetryQueue(send, options = {}) {
  const {
    onSent = () => {},
    onDropped = () => {},
    onChange = () => {},
    initialDelayMs = 500,
    maxDelayMs = 8000,
    factor = 2,
    jitter = 0.2,
    maxItems = Infinity,
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (id) => clearTimeout(id),
    random = Math.random,
  } = options;

  /** @type {any[]} */
  const items = [];
  let sending = null;
  let timer = null;
  let attempt = 0;
  /** @type {Error | null} */
  let lastError = null;
  let stopped = false;
  /** @type {Array<(drained: boolean) => void>} */
  let idleWaiters = [];

  const state = () => ({ size: items.length, failing: timer !== null, attempt, lastError });

  function changed() {
    onChange(state());
    if (items.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((resolve) => resolve(true));
    }
  }

  function scheduleRetry() {
    const base = backoffDelay(attempt, { initialDelayMs, maxDelayMs, factor });
    const delay = Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
    timer = setTimer(() => {
      timer = null;
      pump();
    }, delay);
  }

  async function pump() {
    if (stopped || sending !== null || timer !== null || items.length === 0) return;
    const item = items[0];
    sending = item;
    let answer;
    let error = null;
    try {
      answer = await send(item);
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    sending = null;
    if (stopped) return;
    if (error === null) {
      items.shift();
      attempt = 0;
      lastError = null;
      onSent(item, answer);
    } else if (error.retryable) {
      attempt += 1;
      lastError = error;
      scheduleRetry();
    } else {
      items.shift();
      attempt = 0;
      lastError = error;
      onDropped(item, error);
    }
    changed();
    pump();
  }

  return {
    /**
     * Append an item; it is sent after every item before it.
     * @param {any} item
     * @returns {boolean} false once the queue is stopped
     */
    push(item) {
      if (stopped) return false;
      items.push(item);
      if (items.length > maxItems) {
        const index = items[0] === sending ? 1 : 0;
        const [dropped] = items.splice(index, 1);
        onDropped(dropped, new Error("queue full: oldest item dropped"));
      }
      changed();
      pump();
      return true;
    },

    /** Skip the back-off wait and try the head again now (e.g. when the browser reports it is online). */
    retryNow() {
      if (timer === null) return;
      clearTimer(timer);
      timer = null;
      pump();
    },

    /**
     * Items not currently being sent, oldest first (for a last-chance flush when the page goes away).
     * They stay queued: a later delivery of the same item is recognised by its `seq`.
     * @returns {any[]}
     */
    waiting() {
      return items.filter((item) => item !== sending);
    },

    /**
     * Every item not delivered yet, oldest first, including the one being sent (what a reload must keep).
     * @returns {any[]}
     */
    pending() {
      return items.slice();
    },

    /**
     * Resolves to true when the queue is empty; to false after `timeoutMs`, or once the queue is stopped.
     * @param {number} [timeoutMs=Infinity]
     * @returns {Promise<boolean>}
     */
    drain(timeoutMs = Infinity) {
      if (stopped) return Promise.resolve(false);
      if (items.length === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        let done = false;
        const finish = (value) => {
          if (!done) {
            done = true;
            resolve(value);
          }
        };
        idleWaiters.push(finish);
        if (Number.isFinite(timeoutMs)) setTimer(() => finish(false), timeoutMs);
      });
    },

    /**
     * Stop sending; returns what was left.
     * @returns {any[]}
     */
    stop() {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const left = items.splice(0);
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((resolve) => resolve(false));
      return left;
    },

    /** @returns {QueueState} */
    get state() {
      return state();
    },
  };
}
