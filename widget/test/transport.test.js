import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createTransport } from "../src/transport.js";
import { fakeClock, settle } from "./support/fakeClock.js";

/** A stub of the service: records requests, answers like DESIGN §7, applies each (stream, seq) once. */
function stubService() {
  const service = {
    down: false,
    status: null,
    requests: [],
    applied: [],
    seen: new Set(),
    async fetch(url, init) {
      const request = { url, ...init, json: typeof init.body === "string" ? JSON.parse(init.body) : null };
      service.requests.push(request);
      if (service.down) throw new TypeError("Failed to fetch");
      if (service.status) {
        const status = service.status;
        return {
          ok: false,
          status,
          json: async () => ({ error: { code: `http_${status}`, message: `refused ${status}` } }),
        };
      }
      const path = new URL(url, "http://x").pathname;
      const stream = path.split("/").pop();
      const seq = request.json?.seq ?? Number(new URL(url, "http://x").searchParams.get("seq"));
      if (!service.seen.has(`${stream}:${seq}`)) {
        service.seen.add(`${stream}:${seq}`);
        service.applied.push([stream, seq]);
      }
      const answers = {
        frames: { face_status: "ok", faces: 1, violations: [] },
        audio: { violations: [] },
        events: { violations: [] },
        end: { score: 92, risk_level: "green", penalties: [] },
        start: { id: "s1", monitoring_started_at: "2026-11-30T02:00:00Z" },
      };
      return { ok: true, status: 200, json: async () => answers[stream] ?? { id: "s1" } };
    },
  };
  return service;
}

function transportFor(service, clock, extra = {}) {
  const answers = [];
  const connection = [];
  const fatal = [];
  let now = 1_700_000_000_000;
  const transport = createTransport({
    apiBase: "/api/v1/",
    sessionId: "s1",
    token: "tok",
    fetch: (url, init) => service.fetch(url, init),
    now: () => (now += 1),
    onAnswer: (stream, answer, item) => answers.push([stream, item.seq, answer]),
    onConnection: (state) => connection.push(state),
    onFatal: (error) => fatal.push(error.status),
    queue: { setTimer: clock.setTimer, clearTimer: clock.clearTimer, random: () => 0.5 },
    ...extra,
  });
  return { transport, answers, connection, fatal };
}

describe("transport", () => {
  it("sends the token as a Bearer header, never a cookie", async () => {
    const service = stubService();
    const { transport } = transportFor(service, fakeClock());
    transport.postEvent("tab_hidden", Date.UTC(2025, 0, 1));
    await transport.drain();
    const [request] = service.requests;
    assert.equal(request.url, "/api/v1/sessions/s1/events");
    assert.equal(request.method, "POST");
    assert.equal(request.headers.Authorization, "Bearer tok");
    assert.equal(request.credentials, "omit");
    assert.equal(request.keepalive, true);
    assert.deepEqual(Object.keys(request.json).sort(), ["captured_at", "seq", "type"]);
    assert.equal(request.json.captured_at, 1735689600);
  });

  it("posts a JPEG Blob as a raw image/jpeg body with seq and captured_at in the query", async () => {
    const service = stubService();
    const { transport, answers } = transportFor(service, fakeClock());
    const seq = transport.postFrame(
      new Blob([new Uint8Array([0xff, 0xd8])], { type: "image/jpeg" }),
      Date.UTC(2025, 0, 1),
    );
    await transport.drain();
    const [request] = service.requests;
    const url = new URL(request.url, "http://x");
    assert.equal(url.pathname, "/api/v1/sessions/s1/frames");
    assert.equal(url.searchParams.get("seq"), String(seq));
    assert.equal(url.searchParams.get("captured_at"), "1735689600");
    assert.equal(request.headers["Content-Type"], "image/jpeg");
    assert.ok(request.body instanceof Blob);
    assert.equal(request.keepalive, false, "frames may exceed the keepalive quota");
    assert.deepEqual(answers[0].slice(0, 2), ["frames", seq]);
    assert.equal(answers[0][2].face_status, "ok");
  });

  it("posts a data-URL frame as JSON", async () => {
    const service = stubService();
    const { transport } = transportFor(service, fakeClock());
    transport.postFrame("data:image/jpeg;base64,/9j/", 0);
    await transport.drain();
    assert.equal(service.requests[0].json.image, "data:image/jpeg;base64,/9j/");
    assert.equal(service.requests[0].headers["Content-Type"], "application/json");
  });

  it("numbers every observation uniquely across streams", async () => {
    const service = stubService();
    const { transport } = transportFor(service, fakeClock());
    const seqs = [
      transport.postEvent("window_blur", 0),
      transport.postAudio({ is_silent: true, level: 0 }, 0),
      transport.postEvent("window_focus", 0),
    ];
    assert.equal(new Set(seqs).size, 3);
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
    );
  });

  it("survives a one-minute outage: says offline, loses nothing, counts nothing twice", async () => {
    const clock = fakeClock();
    const service = stubService();
    const { transport, connection } = transportFor(service, clock);
    const posted = [];
    for (let second = 0; second < 75; second += 1) {
      if (second === 5) service.down = true;
      if (second === 65) service.down = false;
      posted.push(["audio", transport.postAudio({ is_silent: false, level: 9 }, second * 1000)]);
      if (second % 10 === 0)
        posted.push(["events", transport.postEvent(second % 20 ? "tab_visible" : "tab_hidden", second * 1000)]);
      await clock.advance(1000);
    }
    await clock.advance(10000);
    assert.equal(transport.queued, 0);
    assert.ok(
      connection.some((state) => !state.online && state.queued > 50),
      "the outage was shown with its backlog",
    );
    assert.deepEqual(connection.at(-1), { online: true, queued: 0 });
    const sortKey = ([stream, seq]) => `${stream}:${String(seq).padStart(16, "0")}`;
    assert.deepEqual(service.applied.map(sortKey).sort(), posted.map(sortKey).sort(), "each posted once");
    for (const stream of ["audio", "events"]) {
      const order = service.applied.filter(([s]) => s === stream).map(([, seq]) => seq);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `${stream} delivered in order`,
      );
    }
  });

  it("drops an observation the server refuses (400) and keeps going", async () => {
    const service = stubService();
    const dropped = [];
    const { transport } = transportFor(service, fakeClock(), {
      onDropped: (item, error) => dropped.push([item.seq, error.code]),
    });
    service.status = 400;
    const seq = transport.postEvent("tab_hidden", 0);
    await transport.drain();
    assert.deepEqual(dropped, [[seq, "http_400"]]);
  });

  it("retries a server error a few times, then drops it so the stream is not blocked", async () => {
    const clock = fakeClock();
    const service = stubService();
    const dropped = [];
    const { transport } = transportFor(service, clock, { onDropped: (item) => dropped.push(item.seq) });
    service.status = 500;
    transport.postEvent("tab_hidden", 0);
    await clock.advance(60000);
    assert.equal(service.requests.length, 5);
    assert.equal(dropped.length, 1);
  });

  it("says why observations wait: the service's errors are not called offline", async () => {
    const clock = fakeClock();
    const service = stubService();
    const { transport, connection } = transportFor(service, clock);
    service.status = 503;
    transport.postEvent("tab_hidden", 0);
    await clock.advance(5000);
    assert.deepEqual(connection.at(-1), { online: false, queued: 1, reason: "server_error" });
    service.status = null;
    service.down = true;
    await clock.advance(60000);
    assert.deepEqual(connection.at(-1), { online: false, queued: 1, reason: "unreachable" });
    service.down = false;
    await clock.advance(60000);
    assert.deepEqual(connection.at(-1), { online: true, queued: 0 });
  });

  it("says offline when the browser is, whatever the last error", async () => {
    const clock = fakeClock();
    const service = stubService();
    let online = false;
    const { transport, connection } = transportFor(service, clock, { isOnline: () => online });
    service.down = true;
    transport.postEvent("tab_hidden", 0);
    await clock.advance(5000);
    assert.equal(connection.at(-1).reason, "offline");
    online = true;
    service.down = false;
    await clock.advance(60000);
    assert.deepEqual(connection.at(-1), { online: true, queued: 0 });
  });

  it("retries 503 without limit", async () => {
    const clock = fakeClock();
    const service = stubService();
    const { transport } = transportFor(service, clock);
    service.status = 503;
    transport.postEvent("tab_hidden", 0);
    await clock.advance(120000);
    assert.ok(service.requests.length > 10);
    service.status = null;
    await clock.advance(10000);
    assert.equal(service.applied.length, 1);
  });

  it("stops everything when the session has ended elsewhere (409)", async () => {
    const service = stubService();
    const { transport, fatal } = transportFor(service, fakeClock());
    service.status = 409;
    transport.postEvent("tab_hidden", 0);
    await settle();
    assert.deepEqual(fatal, [409]);
    assert.equal(transport.postEvent("tab_visible", 0), null);
  });

  it("flushes waiting small observations with keepalive and leaves them queued; of a failing stream the oldest", async () => {
    const clock = fakeClock();
    const service = stubService();
    service.down = true;
    const { transport } = transportFor(service, clock);
    transport.postEvent("tab_hidden", 0);
    transport.postEvent("tab_visible", 0);
    transport.postAudio({ is_silent: true, level: 0 }, 0);
    transport.postFrame(new Blob([new Uint8Array(10)], { type: "image/jpeg" }), 0);
    await settle();
    service.requests.length = 0;
    service.down = false;
    transport.flush();
    await settle();
    // Everything small waits for its retry: the oldest of each stream is flushed with keepalive (sent together,
    // the rest could overtake it); the frame is not (it may exceed the quota).
    assert.deepEqual(
      service.requests.map((r) => [r.url.split("/").pop(), r.json?.type ?? null, r.keepalive]),
      [
        ["events", "tab_hidden", true],
        ["audio", null, true],
      ],
    );
    await clock.advance(10000);
    assert.equal(transport.queued, 0);
    assert.equal(service.applied.length, 4, "the flushed ones are not counted twice");
  });

  it("ends the session with retries and returns the report", async () => {
    const clock = fakeClock();
    const service = stubService();
    service.down = true;
    const { transport } = transportFor(service, clock);
    const ended = transport.end();
    await clock.advance(3000);
    service.down = false;
    await clock.advance(10000);
    assert.deepEqual(await ended, { score: 92, risk_level: "green", penalties: [] });
    assert.ok(service.requests.filter((r) => r.url.endsWith("/end")).length > 1);
  });

  it("records the start of monitoring with retries and answers the session", async () => {
    const clock = fakeClock();
    const service = stubService();
    service.down = true;
    const { transport, fatal } = transportFor(service, clock);
    const started = transport.start();
    await clock.advance(3000);
    service.down = false;
    await clock.advance(10000);
    assert.equal((await started).monitoring_started_at, "2026-11-30T02:00:00Z");
    const calls = service.requests.filter((r) => r.url.endsWith("/sessions/s1/start"));
    assert.ok(calls.length > 1 && calls.every((r) => r.method === "POST" && r.headers.Authorization === "Bearer tok"));
    assert.deepEqual(fatal, []);
  });

  it("a start refused for a replaced token stops everything and reports it once", async () => {
    const service = stubService();
    const { transport, fatal } = transportFor(service, fakeClock());
    service.status = 401;
    await assert.rejects(transport.start(), (error) => error.status === 401);
    assert.deepEqual(fatal, [401]);
    assert.equal(transport.postFrame("data:image/jpeg;base64,AA==", 0), null);
  });
});

describe("transport flush", () => {
  it("does not resend a request that is in flight", async () => {
    const service = stubService();
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    const fetch = service.fetch;
    service.fetch = async (url, init) => {
      if (init.json === undefined && init.body?.includes?.("tab_hidden")) await gate;
      return fetch(url, init);
    };
    const { transport } = transportFor(service, fakeClock());
    transport.postEvent("tab_hidden", 0);
    transport.postEvent("tab_visible", 0);
    await settle();
    transport.flush();
    await settle();
    assert.deepEqual(
      service.requests.map((r) => r.json.type),
      ["tab_visible"],
    );
    release();
    await transport.drain();
    assert.deepEqual(
      service.applied.map(([stream]) => stream),
      ["events", "events"],
    );
  });
});
