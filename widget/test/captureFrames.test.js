import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { captureFrames } from "../src/captureFrames.js";

/** A document whose canvas encodes slowly for the first frame and fast for the next: encodings finish out of order. */
function fakeDocument(delays) {
  let drawn = 0;
  const video = {
    readyState: 4,
    HAVE_CURRENT_DATA: 2,
    videoWidth: 4,
    videoHeight: 3,
    style: {},
    setAttribute() {},
    play: () => Promise.resolve(),
    pause() {},
    remove() {},
  };
  const canvas = {
    getContext: () => ({ drawImage: () => (drawn += 1) }),
    toBlob(callback) {
      const frame = drawn;
      setTimeout(() => callback({ frame }), delays[frame - 1] ?? 0);
    },
  };
  return {
    createElement: (tag) => (tag === "video" ? video : canvas),
    body: { append() {} },
  };
}

describe("captureFrames", () => {
  it("hands frames over in capture order even when a later one is encoded first", async () => {
    const got = [];
    const doc = fakeDocument([120, 0, 0]);
    const stop = captureFrames({}, (blob, at) => got.push([blob.frame, at]), { intervalMs: 20, document: doc });
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    const frames = got.map(([frame]) => frame);
    assert.ok(frames.length >= 3, `frames: ${frames}`);
    assert.deepEqual(frames, [...frames].sort((a, b) => a - b), "capture order");
    const times = got.map(([, at]) => at);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), "capture times rise");
  });

  it("hands over nothing once stopped", async () => {
    const got = [];
    const stop = captureFrames({}, (blob) => got.push(blob), { intervalMs: 10, document: fakeDocument([50]) });
    await new Promise((resolve) => setTimeout(resolve, 15));
    stop();
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(got, [], "the frame still encoding at the stop is not handed over");
  });
});
