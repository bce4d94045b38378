import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createSilenceMeter } from "../src/lib/silenceMeter.js";

/** Push levels polled every `stepMs`; return the per-second reports and the speaking state after each poll. */
function run(levels, { stepMs = 100, ...options } = {}) {
  const meter = createSilenceMeter(options);
  const reports = [];
  const speaking = [];
  levels.forEach((level, i) => {
    const reading = meter.push(level, i * stepMs);
    if (reading.report) reports.push(reading.report);
    speaking.push(reading.speaking);
  });
  return { reports, speaking };
}

const repeat = (value, n) => Array(n).fill(value);

describe("silence meter: per-second averages", () => {
  it("reports one average per second of 10 Hz polls", () => {
    const { reports } = run([...repeat(20, 10), ...repeat(0, 10), 0]);
    assert.deepEqual(reports, [
      { is_silent: false, level: 20 },
      { is_silent: true, level: 0 },
    ]);
  });

  it("uses the default threshold 5: an average below it is silent, at or above it is not", () => {
    assert.deepEqual(run([...repeat(4.9, 10), 0]).reports, [{ is_silent: true, level: 4.9 }]);
    assert.deepEqual(run([...repeat(5, 10), 0]).reports, [{ is_silent: false, level: 5 }]);
  });

  it("takes a configurable threshold", () => {
    assert.deepEqual(run([...repeat(8, 10), 0], { threshold: 10 }).reports, [{ is_silent: true, level: 8 }]);
  });

  it("averages the whole second: a short word in a quiet second still counts", () => {
    // 300 ms of speech at level 30 in an otherwise silent second: average 9.
    assert.deepEqual(run([30, 30, 30, ...repeat(0, 7), 0]).reports, [{ is_silent: false, level: 9 }]);
  });

  it("catches a silent gap a once-a-second reading would miss", () => {
    // Speech, then 14 quiet seconds: every quiet second is reported silent, none is masked by decay.
    const { reports } = run([...repeat(40, 30), ...repeat(0, 140), 0]);
    assert.equal(reports.length, 17);
    assert.deepEqual(
      reports.slice(0, 3).map((r) => r.is_silent),
      [false, false, false],
    );
    assert.ok(reports.slice(3).every((r) => r.is_silent));
  });

  it("keeps reporting each second when the page is throttled to one poll a second", () => {
    const { reports } = run([0, 20, 0, 0], { stepMs: 1000 });
    assert.deepEqual(reports, [
      { is_silent: true, level: 0 },
      { is_silent: false, level: 20 },
      { is_silent: true, level: 0 },
    ]);
  });
});

describe("silence meter: speaking hysteresis (hark)", () => {
  it("switches on after 2 of the last 3 polls are loud", () => {
    const { speaking } = run([10, 0, 10, 10]);
    assert.deepEqual(speaking, [false, false, true, true]);
  });

  it("does not switch on for a single loud poll", () => {
    assert.ok(run([10, 0, 0, 10, 0, 0]).speaking.every((on) => !on));
  });

  it("stays on through short pauses and switches off only when the whole history is quiet", () => {
    const { speaking } = run([10, 10, ...repeat(0, 9), 10, ...repeat(0, 10)]);
    assert.equal(speaking[10], true, "9 quiet polls: still speaking");
    assert.equal(speaking[11], true);
    assert.equal(speaking[20], true, "history of 10 still holds the loud poll");
    assert.equal(speaking[21], false, "10 quiet polls: off");
  });

  it("tells when the state changed", () => {
    const meter = createSilenceMeter();
    assert.equal(meter.push(10, 0).changed, false);
    assert.equal(meter.push(10, 100).changed, true);
    assert.equal(meter.push(10, 200).changed, false);
  });
});
