import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { KEEP_FRAMES, KEEP_OBSERVATIONS, loadBacklog, saveBacklog, snapshot } from "../src/lib/backlog.js";
import { createTransport } from "../src/transport.js";
import { fakeClock, settle } from "./support/fakeClock.js";

/** sessionStorage's interface over a Map, optionally refusing writes longer than `limit` characters. */
function memoryStorage(limit = Infinity) {
  const values = new Map();
  return {
    values,
    getItem: (key) => (values.has(key) ? values.get(key) : null),
    setItem(key, value) {
      if (value.length > limit) throw new DOMException("quota", "QuotaExceededError");
      values.set(key, String(value));
    },
    removeItem: (key) => values.delete(key),
  };
}

const jpeg = () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: "image/jpeg" });
const audio = (seq) => ({ stream: "audio", seq, capturedAtMs: seq, body: { is_silent: false, seq } });
const frame = (seq, kept = true) => ({
  stream: "frames",
  seq,
  capturedAtMs: seq,
  body: jpeg(),
  ...(kept ? { keep: { image: "data:image/jpeg;base64,/9j/", seq } } : {}),
});

describe("backlog snapshot", () => {
  it("keeps audio and events, the newest frames read into data URLs, and counts the rest as lost", () => {
    const waiting = [frame(1), frame(2), frame(3, false), ...Array.from({ length: KEEP_FRAMES }, (_, i) => frame(10 + i))];
    waiting.push(audio(20), { stream: "events", seq: 21, capturedAtMs: 21, body: { type: "tab_hidden", seq: 21 } });
    const { items, lost } = snapshot(waiting, { frames: 0, audio: 2, events: 0 });
    assert.deepEqual(
      items.map((item) => [item.stream, item.seq]),
      [...Array.from({ length: KEEP_FRAMES }, (_, i) => ["frames", 10 + i]), ["audio", 20], ["events", 21]],
    );
    assert.ok(items.filter((item) => item.stream === "frames").every((item) => item.body.image.startsWith("data:")));
    assert.deepEqual(lost, { frames: 3, audio: 2, events: 0 }, "two older frames and one never read, plus the earlier");
  });

  it("keeps at most the newest KEEP_OBSERVATIONS audio reports and events", () => {
    const waiting = Array.from({ length: KEEP_OBSERVATIONS + 7 }, (_, i) => audio(i + 1));
    const { items, lost } = snapshot(waiting, { frames: 0, audio: 0, events: 0 });
    assert.equal(items.length, KEEP_OBSERVATIONS);
    assert.equal(items[0].seq, 8);
    assert.equal(lost.audio, 7);
  });
});

describe("backlog storage", () => {
  it("round-trips, removes an empty backlog, and ignores what is malformed", () => {
    const storage = memoryStorage();
    const backlog = { items: [audio(5)], lost: { frames: 1, audio: 0, events: 0 } };
    saveBacklog(storage, "s1", backlog);
    assert.deepEqual(loadBacklog(storage, "s1"), backlog);
    assert.deepEqual(loadBacklog(storage, "s2"), { items: [], lost: { frames: 0, audio: 0, events: 0 } });
    saveBacklog(storage, "s1", { items: [], lost: { frames: 0, audio: 0, events: 0 } });
    assert.equal(storage.values.size, 0);
    storage.setItem("proctor.backlog.s1", '{"items": [{"stream": "x", "seq": 1}, 7], "lost": {"frames": -3}}');
    assert.deepEqual(loadBacklog(storage, "s1"), { items: [], lost: { frames: 0, audio: 0, events: 0 } });
    storage.setItem("proctor.backlog.s1", "{not json");
    assert.deepEqual(loadBacklog(storage, "s1").items, []);
  });

  it("when storage is full, counts the frames as lost and keeps the rest", () => {
    const storage = memoryStorage(300);
    const big = { stream: "frames", seq: 1, capturedAtMs: 1, body: { image: `data:image/jpeg;base64,${"A".repeat(400)}` } };
    saveBacklog(storage, "s1", { items: [big, audio(2)], lost: { frames: 0, audio: 0, events: 0 } });
    const loaded = loadBacklog(storage, "s1");
    assert.deepEqual(loaded.items.map((item) => item.seq), [2]);
    assert.equal(loaded.lost.frames, 1);
  });
});

/** A stub service that answers 200, or `status` / a network failure while set; records each request. */
function stubService() {
  const service = {
    status: null,
    down: false,
    requests: [],
    async fetch(url, init) {
      const json = typeof init.body === "string" ? JSON.parse(init.body) : null;
      service.requests.push({ path: new URL(url, "http://x").pathname.split("/").pop(), json });
      if (service.down) throw new TypeError("Failed to fetch");
      if (service.status) return { ok: false, status: service.status, json: async () => ({}) };
      return { ok: true, status: 200, json: async () => ({ violations: [] }) };
    },
  };
  return service;
}

function transportFor(service, clock, storage, now) {
  return createTransport({
    apiBase: "/api/v1",
    sessionId: "s1",
    token: "tok",
    fetch: (url, init) => service.fetch(url, init),
    now,
    storage,
    queue: { setTimer: clock.setTimer, clearTimer: clock.clearTimer, random: () => 0.5 },
  });
}

describe("transport across a reload", () => {
  it("sends what the previous page kept first, with its seq, numbers on after it, and reports what it lost", async () => {
    const storage = memoryStorage();
    const service = stubService();
    service.down = true;
    let now = 1_700_000_000_000;
    const clock = fakeClock();
    const before = transportFor(service, clock, storage, () => (now += 1));
    const audioSeq = before.postAudio({ is_silent: true, level: 0 }, 1000);
    const eventSeq = before.postEvent("tab_hidden", 1001);
    const frameSeqs = Array.from({ length: KEEP_FRAMES + 2 }, (_, i) => before.postFrame(jpeg(), 1002 + i));
    await settle(); // the frames are read into data URLs
    before.flush(); // the page goes away
    before.stop();

    now -= 60_000; // the next page's clock is even behind: its seqs still follow the kept ones
    const fresh = stubService();
    const after = transportFor(fresh, fakeClock(), storage, () => (now += 1));
    assert.deepEqual(after.lost, { frames: 2, audio: 0, events: 0 }, "the two oldest frames were not kept");
    const next = after.postEvent("tab_visible", 2000);
    const lostSeq = after.reportLost(2001);
    await after.drain();
    const sent = (path) => fresh.requests.filter((r) => r.path === path).map((r) => r.json.seq);
    assert.deepEqual(sent("audio"), [audioSeq]);
    assert.deepEqual(sent("events"), [eventSeq, next, lostSeq]);
    assert.deepEqual(sent("frames"), frameSeqs.slice(2), "the newest frames, as JSON data URLs");
    assert.ok(next > Math.max(audioSeq, eventSeq, ...frameSeqs));
    const report = fresh.requests.find((r) => r.json?.type === "observations_lost").json;
    assert.deepEqual(report.lost, { frames: 2, audio: 0, events: 0 });
    assert.equal(after.reportLost(2002), null, "nothing more to report");
    await new Promise((resolve) => setTimeout(resolve, 250)); // the keeper writes after a short delay
    assert.equal(storage.values.size, 0, "everything delivered: nothing left to keep");
  });

  it("counts what it gives up after the server's errors, and a failed report gives its count back", async () => {
    const clock = fakeClock();
    const service = stubService();
    const transport = transportFor(service, clock, null, () => 1_700_000_000_000);
    service.status = 500;
    transport.postAudio({ is_silent: false, level: 3 }, 0);
    transport.postAudio({ is_silent: false, level: 3 }, 1);
    await clock.advance(120_000);
    assert.deepEqual(transport.lost, { frames: 0, audio: 2, events: 0 });
    transport.reportLost(2);
    assert.deepEqual(transport.lost, { frames: 0, audio: 0, events: 0 });
    await clock.advance(60_000);
    assert.deepEqual(transport.lost, { frames: 0, audio: 2, events: 0 }, "the report was refused: counted again");
    service.status = null;
    transport.reportLost(3);
    await transport.drain();
    assert.deepEqual(service.requests.at(-1).json.lost, { frames: 0, audio: 2, events: 0 });

    service.status = 400; // a report the service refuses is not offered again and again
    transport.postAudio({ is_silent: false, level: 3 }, 4);
    await clock.advance(1000);
    transport.reportLost(5);
    await clock.advance(60_000);
    assert.deepEqual(transport.lost, { frames: 0, audio: 0, events: 0 });
  });

  it("forgets the kept backlog once the session has ended", async () => {
    const storage = memoryStorage();
    const service = stubService();
    service.down = true;
    const transport = transportFor(service, fakeClock(), storage, () => 1_700_000_000_000);
    transport.postEvent("tab_hidden", 0);
    transport.flush();
    assert.equal(storage.values.size, 1);
    service.down = false;
    await transport.end();
    assert.equal(storage.values.size, 0);
  });
});
