import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { SLOW_SAMPLE, startOnDevice } from "../src/ondevice/mode.js";

const FACE = { x: 1, y: 2, width: 100, height: 120, score: 0.9, yaw_deg: 3, turned: false };

/** A stub service: records requests, answers batches with `reveal` for the seqs in `revealFor`. */
function stubService({ revealFor = () => false, status = 200 } = {}) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
    const answer = url.endsWith("/verdicts")
      ? {
          verdicts: body.verdicts.map((v) => ({ seq: v.seq, face_status: "ok", faces: v.faces.length, violations: [] })),
          audio: body.audio.map((a) => ({ seq: a.seq, violations: [] })),
          reveal: body.verdicts.map((v) => v.seq).filter(revealFor),
        }
      : { seq: 0, status: "agreed", violations: [] };
    return { ok: status === 200, status, json: async () => (status === 200 ? answer : { error: { message: "ended" } }) };
  };
  return { requests, fetch };
}

/** Drive `startOnDevice` with a manual capture: `shoot()` delivers one JPEG blob. */
function harness({ ms = 20, faces = [FACE], service = stubService(), finder, batchMs = 60_000 } = {}) {
  let deliver = null;
  const seen = { answers: [], fallbacks: [], fatal: [], captureStops: 0 };
  const found = { faces };
  const device = startOnDevice({
    apiBase: "/api/v1/",
    sessionId: "s 1",
    token: "tok",
    fetch: service.fetch,
    batchMs,
    finder:
      finder ?? Promise.resolve({ find: async (_, width, height) => ({ width, height, faces: found.faces, quality: "ok", ms }) }),
    decodeImage: async () => ({ width: 640, height: 480, close() {} }),
    capture(callback) {
      deliver = callback;
      return () => (seen.captureStops += 1);
    },
    onAnswer: (answer) => seen.answers.push(answer),
    onFatal: (error) => seen.fatal.push(error.status),
    fallback(reason) {
      seen.fallbacks.push(reason);
      return () => {};
    },
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return {
    seen, service, device, settle, found,
    stop: () => device.stop(),
    async shoot(bytes = "jpeg bytes", at = 1_700_000_000_000) {
      await settle();
      deliver(new Blob([bytes], { type: "image/jpeg" }), at);
      await settle();
    },
  };
}

/** The batches posted so far, parsed. */
const batches = (h) => h.service.requests.filter((r) => r.url.endsWith("/verdicts")).map((r) => JSON.parse(r.init.body));

test("the first verdict leaves at once; the next wait and leave together with the audio reports", async () => {
  const h = harness();
  await h.shoot("first frame");
  assert.equal(h.service.requests.length, 1, "the first verdict at once");
  assert.equal(h.device.postAudio({ is_silent: false, level: 12.5 }, 1_700_000_000_500), true);
  await h.shoot("second frame", 1_700_000_001_000);
  await h.shoot("third frame", 1_700_000_002_000);
  assert.equal(h.service.requests.length, 1, "nothing more leaves before the batch is due");
  await h.stop();
  const posts = h.service.requests;
  assert.equal(posts.length, 2);
  assert.equal(posts[0].url, "/api/v1/sessions/s%201/verdicts");
  assert.equal(posts[0].init.headers.Authorization, "Bearer tok");
  assert.equal(posts[0].init.credentials, "omit");
  const [first, batch] = batches(h);
  const [body] = first.verdicts;
  assert.deepEqual(Object.keys(body).sort(), ["captured_at", "faces", "height", "quality", "seq", "sha256", "width"]);
  assert.equal(body.sha256, createHash("sha256").update("first frame").digest("hex"));
  assert.equal(body.captured_at, 1_700_000_000);
  assert.deepEqual(body.faces, [FACE]);
  assert.equal(batch.verdicts.length, 2);
  assert.ok(batch.verdicts[0].seq > body.seq && batch.verdicts[1].seq > batch.verdicts[0].seq);
  assert.deepEqual(batch.audio.map((a) => [a.is_silent, a.level, a.captured_at]), [[false, 12.5, 1_700_000_000.5]]);
  assert.equal(h.seen.answers.length, 4, "one answer per verdict and audio report");
  assert.ok(posts.every((p) => typeof p.init.body === "string"), "only verdicts, no JPEG");
});

test("a batch leaves when it is due, and at once when the face count changes", async () => {
  const h = harness({ batchMs: 80 });
  await h.shoot("one");
  await h.shoot("two");
  await h.shoot("three");
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.deepEqual(batches(h).map((b) => b.verdicts.length), [1, 2]);
  h.found.faces = [];
  await h.shoot("empty room");
  assert.deepEqual(batches(h).map((b) => b.verdicts.length), [1, 2, 1], "the change left at once");
  h.found.faces = [FACE, FACE];
  await h.shoot("two people");
  assert.equal(batches(h).length, 4);
  await h.stop();
});

test("a batch the service did not answer leaves again with the next", async () => {
  let fail = 1;
  const service = stubService();
  const fetch = service.fetch;
  service.fetch = async (url, init) => {
    if (fail-- > 0) throw new TypeError("network down");
    return fetch(url, init);
  };
  const h = harness({ service });
  await h.shoot("one"); // the first leaves at once, and finds the network down
  await h.shoot("two");
  h.found.faces = [];
  await h.shoot("three"); // a change: at once
  assert.deepEqual(batches(h).map((b) => b.verdicts.length), [3], "the unanswered verdict went again, with the new");
  assert.equal(h.service.requests.length, 1);
  await h.stop();
});

test("the page going away sends what waits with keepalive, and it stays waiting", async () => {
  const h = harness();
  await h.shoot("one");
  await h.shoot("two");
  h.device.postAudio({ is_silent: true, level: 1 }, 1_700_000_000_900);
  h.device.flush();
  await h.settle();
  const flushed = h.service.requests[1];
  assert.equal(flushed.init.keepalive, true);
  await h.stop();
  const [, first, last] = batches(h);
  assert.equal(first.verdicts.length + first.audio.length, 2);
  assert.deepEqual(last, first, "sent again with the same seqs: the service answers them once");
});

test("a verdict whose answer asks for its picture is followed by exactly that JPEG", async () => {
  const h = harness({ service: stubService({ revealFor: () => true }) });
  await h.shoot("the committed frame");
  await h.stop();
  const [batch, reveal] = h.service.requests;
  const seq = JSON.parse(batch.init.body).verdicts[0].seq;
  assert.equal(reveal.url, `/api/v1/sessions/s%201/verdicts/${seq}/frame`);
  assert.equal(reveal.init.headers["Content-Type"], "image/jpeg");
  assert.equal(await reveal.init.body.text(), "the committed frame");
});

test("a slow device falls back to server analysis after the first frames, and says why", async () => {
  const h = harness({ ms: 900 });
  for (let i = 0; i < SLOW_SAMPLE; i += 1) await h.shoot(`frame ${i}`);
  assert.equal(h.seen.fallbacks.length, 1);
  assert.match(h.seen.fallbacks[0], /900 ms a frame/);
  assert.equal(h.seen.captureStops, 1, "the on-device capture stopped");
  h.stop();
});

test("a fast device stays on-device", async () => {
  const h = harness({ ms: 30 });
  for (let i = 0; i < SLOW_SAMPLE + 1; i += 1) await h.shoot(`frame ${i}`);
  assert.deepEqual(h.seen.fallbacks, []);
  h.stop();
});

test("a runtime that cannot load falls back at once", async () => {
  const h = harness({ finder: Promise.reject(new Error("404 ort.wasm")) });
  await h.settle();
  assert.equal(h.seen.fallbacks.length, 1);
  assert.match(h.seen.fallbacks[0], /could not load \(404 ort.wasm\)/);
  h.stop();
});

test("an ended session stops the widget through onFatal", async () => {
  const h = harness({ service: stubService({ status: 409 }) });
  await h.shoot();
  await h.stop();
  assert.deepEqual(h.seen.fatal, [409]);
});

test("after falling back to server analysis, audio reports go the usual way", async () => {
  const h = harness({ finder: Promise.reject(new Error("no runtime")) });
  await h.settle();
  assert.equal(h.device.postAudio({ is_silent: false, level: 3 }, 1_700_000_000_000), false);
  await h.stop();
  assert.equal(h.service.requests.length, 0);
});
