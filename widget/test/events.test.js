import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  audioBody,
  createSequence,
  formatCapturedAt,
  frameBody,
  pageEventBody,
  pageEventType,
} from "../src/lib/events.js";

const AT = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

describe("event shape", () => {
  it("stamps page events with type, seq and the capture time in POSIX seconds", () => {
    assert.deepEqual(pageEventBody("tab_hidden", 12, AT), { type: "tab_hidden", seq: 12, captured_at: 1735787045.678 });
    assert.deepEqual(pageEventBody("camera_unavailable", 13, AT).type, "camera_unavailable");
  });

  it("refuses unknown page events", () => {
    assert.throws(() => pageEventBody("tab_sneaky", 1, AT), TypeError);
  });

  it("sends audio as a flag and a level only", () => {
    assert.deepEqual(audioBody({ is_silent: true, level: 1.5 }, 3, AT), {
      is_silent: true,
      level: 1.5,
      seq: 3,
      captured_at: formatCapturedAt(AT),
    });
  });

  it("sends a JSON frame as a data URL", () => {
    assert.deepEqual(frameBody("data:image/jpeg;base64,AAAA", 4, AT), {
      image: "data:image/jpeg;base64,AAAA",
      seq: 4,
      captured_at: formatCapturedAt(AT),
    });
  });

  it("maps DOM events to page events", () => {
    assert.equal(pageEventType("visibilitychange", "hidden"), "tab_hidden");
    assert.equal(pageEventType("visibilitychange", "visible"), "tab_visible");
    assert.equal(pageEventType("blur", "visible"), "window_blur");
    assert.equal(pageEventType("focus", "visible"), "window_focus");
    assert.equal(pageEventType("click", "visible"), null);
  });
});

describe("sequence numbers", () => {
  it("stay within the service's bound (2^53 - 1) for centuries", () => {
    const next = createSequence(() => Date.UTC(2500, 0, 1));
    assert.ok(Number.isSafeInteger(next()));
  });

  it("strictly increase, even within one millisecond", () => {
    const next = createSequence(() => 1000);
    assert.deepEqual([next(), next(), next()], [1000, 1001, 1002]);
  });

  it("follow the clock, so a reloaded page never reuses the previous page's numbers", () => {
    let now = 5000;
    const first = createSequence(() => now);
    const used = Array.from({ length: 30 }, () => first()); // 30 observations in ...
    now += 10000; // ... 10 s, then the page reloads
    const second = createSequence(() => now);
    assert.ok(second() > Math.max(...used));
  });

  it("never go backwards when the clock does", () => {
    let now = 9000;
    const next = createSequence(() => now);
    const a = next();
    now = 1000;
    assert.ok(next() > a);
  });
});
