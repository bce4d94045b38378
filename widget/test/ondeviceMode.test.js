import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { SLOW_SAMPLE, startOnDevice } from "../src/ondevice/mode.js";

const FACE = { x: 1, y: 2, width: 100, height: 120, score: 0.9, yaw_deg: 3, turned: false };

/** A stub service: records requests, answers verdicts with `reveal` for the seqs in `revealFor`. */
function stubService({ revealFor = () => false, status = 200 } = {}) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
    const answer = url.endsWith("/verdicts")
      ? { face_status: "ok", faces: body.faces.length, violations: [], reveal: revealFor(body.seq) }
      : { seq: 0, status: "agreed", violations: [] };
    return { ok: status === 200, status, json: async () => (status === 200 ? answer : { error: { message: "ended" } }) };
  };
  return { requests, fetch };
}

/** Drive `startOnDevice` with a manual capture: `shoot()` delivers one JPEG blob. */
function harness({ ms = 20, faces = [FACE], service = stubService(), finder } = {}) {
  let deliver = null;
  const seen = { answers: [], fallbacks: [], fatal: [], captureStops: 0 };
  const stop = startOnDevice({
    apiBase: "/api/v1/",
    sessionId: "s 1",
    token: "tok",
    fetch: service.fetch,
    finder: finder ?? Promise.resolve({ find: async (_, width, height) => ({ width, height, faces, quality: "ok", ms }) }),
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
    seen, service, stop, settle,
    async shoot(bytes = "jpeg bytes", at = 1_700_000_000_000) {
      await settle();
      deliver(new Blob([bytes], { type: "image/jpeg" }), at);
      await settle();
    },
  };
}

test("each frame becomes a verdict with the hash of its JPEG, and no picture leaves unless asked", async () => {
  const h = harness();
  await h.shoot("first frame");
  await h.shoot("second frame");
  const posts = h.service.requests;
  assert.equal(posts.length, 2);
  assert.equal(posts[0].url, "/api/v1/sessions/s%201/verdicts");
  assert.equal(posts[0].init.headers.Authorization, "Bearer tok");
  assert.equal(posts[0].init.credentials, "omit");
  const body = JSON.parse(posts[0].init.body);
  assert.deepEqual(Object.keys(body).sort(), ["captured_at", "faces", "height", "quality", "seq", "sha256", "width"]);
  assert.equal(body.sha256, createHash("sha256").update("first frame").digest("hex"));
  assert.equal(body.captured_at, 1_700_000_000);
  assert.deepEqual(body.faces, [FACE]);
  assert.ok(JSON.parse(posts[1].init.body).seq > body.seq);
  assert.equal(h.seen.answers.length, 2);
  assert.ok(posts.every((p) => typeof p.init.body === "string"), "only verdicts, no JPEG");
  h.stop();
});

test("a verdict whose answer asks for its picture is followed by exactly that JPEG", async () => {
  const h = harness({ service: stubService({ revealFor: () => true }) });
  await h.shoot("the committed frame");
  const [verdict, reveal] = h.service.requests;
  const seq = JSON.parse(verdict.init.body).seq;
  assert.equal(reveal.url, `/api/v1/sessions/s%201/verdicts/${seq}/frame`);
  assert.equal(reveal.init.headers["Content-Type"], "image/jpeg");
  assert.equal(await reveal.init.body.text(), "the committed frame");
  h.stop();
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
  assert.deepEqual(h.seen.fatal, [409]);
  h.stop();
});
