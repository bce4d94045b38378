import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { onPageEvents } from "../src/onPageEvents.js";
import { widgetOptions } from "../src/options.js";

const required = { apiBase: "/api/v1", sessionId: "s1", token: "t" };

describe("widget options", () => {
  it("fills in the documented defaults", () => {
    const options = widgetOptions(required);
    assert.deepEqual(
      {
        lms: options.lms,
        reportResume: options.reportResume,
        endable: options.endable,
        keepEvidence: options.keepEvidence,
        evidenceRetentionDays: options.evidenceRetentionDays,
        silenceThreshold: options.silenceThreshold,
        frameIntervalMs: options.frameIntervalMs,
        jpegQuality: options.jpegQuality,
        frameEncoding: options.frameEncoding,
        trackFocus: options.trackFocus,
        fetch: options.fetch,
      },
      {
        lms: false,
        reportResume: false,
        endable: true,
        keepEvidence: null,
        evidenceRetentionDays: null,
        silenceThreshold: 5,
        frameIntervalMs: 1000,
        jpegQuality: 0.5,
        frameEncoding: "binary",
        trackFocus: undefined,
        fetch: undefined,
      },
    );
    assert.equal(options.pageEvents, onPageEvents);
    for (const callback of ["onMonitoring", "onStop", "onEnd"]) assert.equal(typeof options[callback], "function");
  });

  it("keeps what is given, and gives an option passed as undefined its default", () => {
    const options = widgetOptions({ ...required, endable: false, lms: undefined, examTitle: "Algebra", jpegQuality: 0.8 });
    assert.equal(options.endable, false);
    assert.equal(options.lms, false);
    assert.equal(options.examTitle, "Algebra");
    assert.equal(options.jpegQuality, 0.8);
    assert.equal(options.token, "t");
  });

  it("refuses to start without the API base, the session or its token", () => {
    for (const missing of Object.keys(required)) {
      assert.throws(
        () => widgetOptions({ ...required, [missing]: "" }),
        new TypeError("mountProctorWidget needs apiBase, sessionId and token"),
      );
    }
  });
});
