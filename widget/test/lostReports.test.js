import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createLostReporter, LOST_REPORT_DELAY_MS } from "../src/lib/lostReports.js";
import { fakeClock } from "./support/fakeClock.js";

/** A reporter on a manual clock, recording the capture time of each report it sends. */
function reporterOnClock() {
  const clock = fakeClock(5000);
  const sent = [];
  const reporter = createLostReporter((capturedAtMs) => sent.push(capturedAtMs), {
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
  });
  return { clock, sent, reporter };
}

describe("lost-observation reports", () => {
  it("makes one report of the losses within a second, a second after the first", async () => {
    const { clock, sent, reporter } = reporterOnClock();
    reporter.soon();
    await clock.advance(400);
    reporter.soon();
    reporter.soon();
    await clock.advance(599);
    assert.deepEqual(sent, []);
    await clock.advance(1);
    assert.deepEqual(sent, [5000 + LOST_REPORT_DELAY_MS]);
    await clock.advance(5000);
    assert.equal(sent.length, 1, "the later losses went into the same report");
  });

  it("starts a new burst after a report", async () => {
    const { clock, sent, reporter } = reporterOnClock();
    reporter.soon();
    await clock.advance(1000);
    await clock.advance(2000);
    reporter.soon();
    await clock.advance(1000);
    assert.deepEqual(sent, [6000, 9000]);
  });

  it("reports at once when monitoring ends, and not again when the waiting time is up", async () => {
    const { clock, sent, reporter } = reporterOnClock();
    reporter.soon();
    await clock.advance(300);
    reporter.now();
    assert.deepEqual(sent, [5300]);
    assert.deepEqual(clock.pending(), [], "the waiting report was the one sent");
    await clock.advance(2000);
    assert.deepEqual(sent, [5300]);
  });

  it("reports at once even when nothing waited (the transport sends nothing when nothing was lost)", () => {
    const { sent, reporter } = reporterOnClock();
    reporter.now();
    assert.deepEqual(sent, [5000]);
  });

  it("sends nothing once cancelled (the widget was removed)", async () => {
    const { clock, sent, reporter } = reporterOnClock();
    reporter.soon();
    reporter.cancel();
    await clock.advance(5000);
    assert.deepEqual(sent, []);
  });
});
