import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { backoffDelay, createRetryQueue } from "../src/lib/retryQueue.js";
import { fakeClock, fakeServer, settle } from "./support/fakeClock.js";

function queueFor(server, clock, extra = {}) {
  const sent = [];
  const dropped = [];
  const queue = createRetryQueue((item) => server.receive(item), {
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    random: () => 0.5,
    onSent: (item) => sent.push(item.seq),
    onDropped: (item, error) => dropped.push([item.seq, error.message]),
    ...extra,
  });
  return { queue, sent, dropped };
}

describe("retry queue", () => {
  it("delivers items in the order they were pushed, one at a time", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    let inFlight = 0;
    let maxInFlight = 0;
    const receive = server.receive;
    server.receive = async (item) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await settle();
      inFlight -= 1;
      return receive(item);
    };
    const { queue, sent } = queueFor(server, clock);
    [1, 2, 3, 4, 5].forEach((seq) => queue.push({ seq }));
    await queue.drain();
    assert.deepEqual(sent, [1, 2, 3, 4, 5]);
    assert.deepEqual(server.applied, [1, 2, 3, 4, 5]);
    assert.equal(maxInFlight, 1);
  });

  it("backs off exponentially up to the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt)),
      [500, 1000, 2000, 4000, 8000, 8000, 8000],
    );
    assert.equal(backoffDelay(3, { initialDelayMs: 100, factor: 3, maxDelayMs: 10000 }), 900);
  });

  it("waits the back-off delay before retrying the same item, with jitter around it", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    server.down = true;
    const { queue } = queueFor(server, clock, { random: () => 1 });
    queue.push({ seq: 7 });
    await settle();
    assert.deepEqual(server.attempts, [7]);
    assert.deepEqual(clock.pending(), [600]); // 500 ms + 20 % jitter
    await clock.advance(599);
    assert.deepEqual(server.attempts, [7]);
    await clock.advance(1);
    assert.deepEqual(server.attempts, [7, 7]);
    assert.deepEqual(clock.pending(), [1200]);
    assert.equal(queue.state.failing, true);
    assert.equal(queue.state.attempt, 2);
  });

  it("loses nothing and double-counts nothing through a one-minute outage", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    const { queue, sent, dropped } = queueFor(server, clock);
    let seq = 0;
    const tick = async (seconds) => {
      for (let i = 0; i < seconds; i += 1) {
        queue.push({ seq: ++seq });
        await clock.advance(1000);
      }
    };
    await tick(10);
    server.down = true;
    await tick(60);
    assert.ok(queue.state.size >= 59, `backlog kept: ${queue.state.size}`);
    server.down = false;
    await tick(10);
    await clock.advance(10000);
    assert.equal(queue.state.size, 0);
    const all = Array.from({ length: 80 }, (_, i) => i + 1);
    assert.deepEqual(server.applied, all, "every item applied once, in order");
    assert.deepEqual(sent, all);
    assert.deepEqual(dropped, []);
    assert.ok(server.attempts.length > 80, "the outage caused retries");
  });

  it("retries with the same item when the answer is lost, so the server counts it once", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    const { queue, sent } = queueFor(server, clock);
    server.loseAnswers = true;
    queue.push({ seq: 1 });
    queue.push({ seq: 2 });
    await clock.advance(2000);
    server.loseAnswers = false;
    await clock.advance(10000);
    assert.deepEqual(server.applied, [1, 2]);
    assert.deepEqual(sent, [1, 2]);
    assert.ok(server.attempts.filter((seq) => seq === 1).length > 1);
  });

  it("drops an item refused for good and goes on with the next", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    const receive = server.receive;
    server.receive = async (item) => {
      if (item.seq === 2) throw Object.assign(new Error("bad request"), { retryable: false, status: 400 });
      return receive(item);
    };
    const { queue, sent, dropped } = queueFor(server, clock);
    [1, 2, 3].forEach((seq) => queue.push({ seq }));
    await queue.drain();
    assert.deepEqual(sent, [1, 3]);
    assert.deepEqual(dropped, [[2, "bad request"]]);
  });

  it("drops the oldest waiting item when full, never the one being sent", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    server.down = true;
    const { queue, dropped } = queueFor(server, clock, { maxItems: 3 });
    [1, 2, 3, 4, 5].forEach((seq) => queue.push({ seq }));
    await settle();
    assert.deepEqual(
      dropped.map(([seq]) => seq),
      [2, 3],
    );
    server.down = false;
    await clock.advance(1000);
    assert.deepEqual(server.applied, [1, 4, 5]);
  });

  it("retries at once on retryNow, and lists the waiting items for a flush", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    server.down = true;
    const { queue } = queueFor(server, clock);
    [1, 2, 3].forEach((seq) => queue.push({ seq }));
    await settle();
    assert.deepEqual(
      queue.waiting().map((item) => item.seq),
      [1, 2, 3],
    );
    server.down = false;
    queue.retryNow();
    await settle();
    assert.deepEqual(server.applied, [1, 2, 3]);
    assert.deepEqual(queue.waiting(), []);
  });

  it("reports its state on every change and stops cleanly", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    server.down = true;
    const states = [];
    const { queue } = queueFor(server, clock, { onChange: (state) => states.push([state.size, state.failing]) });
    queue.push({ seq: 1 });
    await settle();
    assert.deepEqual(states, [
      [1, false],
      [1, true],
    ]);
    const drained = queue.drain();
    assert.deepEqual(
      queue.stop().map((item) => item.seq),
      [1],
    );
    assert.equal(await drained, false);
    assert.equal(await queue.drain(), false, "a stopped queue delivers nothing more");
    assert.equal(queue.push({ seq: 2 }), false);
    assert.deepEqual(clock.pending(), []);
  });

  it("drain resolves false after its timeout when the queue cannot empty", async () => {
    const clock = fakeClock();
    const server = fakeServer();
    server.down = true;
    const { queue } = queueFor(server, clock);
    queue.push({ seq: 1 });
    const drained = queue.drain(3000);
    await clock.advance(3000);
    assert.equal(await drained, false);
  });
});
