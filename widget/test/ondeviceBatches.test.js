import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_BATCH, MAX_BATCH_BYTES, MAX_WAITING, createBatcher } from "../src/ondevice/batches.js";

const FACE = { x: 220.5, y: 130.2, width: 180.1, height: 181.7, score: 0.93, yaw_deg: 4.2, turned: false };
const verdict = (seq, faces = 1) => ({ seq, faces: Array.from({ length: faces }, () => FACE) });
const audio = (seq) => ({ seq, is_silent: false, level: 1 });

/** A batcher whose sends are recorded and answered by `answer(batch)` (a rejection: an HTTP error). */
function recorded(answer = async () => {}) {
  const sent = [];
  const batcher = createBatcher({
    batchMs: 60_000,
    send: async (batch, init) => {
      sent.push({ batch, init });
      return answer(batch);
    },
    onDropped: (batch) => sent.push({ dropped: batch }),
  });
  return { sent, batcher };
}

test("a batch holds at most MAX_BATCH verdicts and MAX_BATCH audio reports, oldest first", async () => {
  const { sent, batcher } = recorded();
  batcher.addVerdict(verdict(0)); // the first leaves at once
  for (let seq = 1; seq <= MAX_BATCH + 5; seq += 1) {
    batcher.addVerdict(verdict(seq));
    batcher.addAudio(audio(1000 + seq));
  }
  await batcher.drain();
  const sizes = sent.map((s) => [s.batch.verdicts.length, s.batch.audio.length]);
  assert.deepEqual(sizes, [[1, 0], [MAX_BATCH, MAX_BATCH], [5, 5]]);
  assert.equal(sent[1].batch.verdicts[0].seq, 1);
  assert.equal(sent[2].batch.verdicts[0].seq, MAX_BATCH + 1);
  assert.equal(batcher.waiting, 0);
});

test("a batch stays under MAX_BATCH_BYTES whatever the verdicts hold", async () => {
  const { sent, batcher } = recorded();
  for (let seq = 1; seq <= MAX_BATCH; seq += 1) batcher.addVerdict(verdict(seq, 32));
  await batcher.drain();
  assert.ok(sent.length > 1);
  for (const { batch } of sent) assert.ok(JSON.stringify(batch).length <= MAX_BATCH_BYTES);
  assert.equal(sent.flatMap((s) => s.batch.verdicts).length, MAX_BATCH);
});

test("a refused batch (400) is dropped, a server error or no answer keeps it waiting", async () => {
  let status = 400;
  const { sent, batcher } = recorded(async () => {
    throw Object.assign(new Error("refused"), { status });
  });
  batcher.addVerdict(verdict(1));
  await batcher.sendNow();
  assert.equal(batcher.waiting, 0);
  assert.deepEqual(sent.at(-1).dropped.verdicts.map((v) => v.seq), [1]);
  for (status of [503, 429, 0]) {
    batcher.addVerdict(verdict(2));
    await batcher.sendNow();
    assert.equal(batcher.waiting > 0, true, `kept after ${status}`);
  }
  batcher.stop();
});

test("at most MAX_WAITING verdicts wait while the service cannot be reached: the oldest give way", () => {
  const { batcher } = recorded();
  for (let seq = 1; seq <= MAX_WAITING + 10; seq += 1) batcher.addVerdict(verdict(seq));
  assert.equal(batcher.waiting, MAX_WAITING);
  batcher.stop();
  assert.equal(batcher.waiting, 0);
});

test("a verdict sent while a batch is in flight waits for it, then leaves", async () => {
  let release;
  const { sent, batcher } = recorded(() => new Promise((resolve) => (release = resolve)));
  batcher.addVerdict(verdict(1));
  const first = batcher.sendNow();
  batcher.addVerdict(verdict(2, 0)); // a change: at once, but after the one in flight
  assert.equal(sent.length, 1);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(sent.length, 2);
  release();
  await first;
  await batcher.drain();
  assert.deepEqual(sent.map((s) => s.batch.verdicts.map((v) => v.seq)), [[1], [2]]);
});
