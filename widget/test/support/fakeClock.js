/** A manual clock for the pure modules: injectable timers that only run when the test advances time. */

/** Let pending promise callbacks run. */
export async function settle() {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export function fakeClock(start = 0) {
  let now = start;
  let nextId = 0;
  /** @type {Map<number, {at: number, fn: () => void}>} */
  const timers = new Map();
  return {
    now: () => now,
    setTimer(fn, ms) {
      nextId += 1;
      timers.set(nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimer(id) {
      timers.delete(id);
    },
    /** Delays of the timers now pending, soonest first. */
    pending() {
      return [...timers.values()].map((timer) => timer.at - now).sort((a, b) => a - b);
    },
    /** Move time forward, running each due timer at its own time. */
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

/**
 * A server that applies each seq once, like the service: a retry of a delivered observation changes nothing.
 * `down` makes requests fail before reaching it; `loseAnswers` makes them reach it but lose the answer.
 */
export function fakeServer() {
  const server = {
    down: false,
    loseAnswers: false,
    attempts: [],
    applied: [],
    seen: new Set(),
    /** @param {{seq: number}} item */
    async receive(item) {
      server.attempts.push(item.seq);
      if (server.down) throw Object.assign(new Error("offline"), { retryable: true });
      if (!server.seen.has(item.seq)) {
        server.seen.add(item.seq);
        server.applied.push(item.seq);
      }
      if (server.loseAnswers) throw Object.assign(new Error("connection reset"), { retryable: true });
      return { ok: item.seq };
    },
  };
  return server;
}
