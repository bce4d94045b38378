import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  codeLabel,
  describeBand,
  describeConnection,
  describeCoverage,
  describeFaceStatus,
  describeViolation,
} from "../src/lib/status.js";

describe("status mapping", () => {
  it("maps every face_status of DESIGN §7 to words, an icon and a tone", () => {
    const expected = { ok: "ok", no_face: "alert", multiple_faces: "alert", turned_away: "warn", unclear: "warn" };
    for (const [status, tone] of Object.entries(expected)) {
      const view = describeFaceStatus(status);
      assert.equal(view.tone, tone, status);
      assert.ok(view.text.length > 5 && view.icon, `${status} has words and an icon, not colour alone`);
    }
    assert.equal(describeFaceStatus(undefined).tone, "neutral");
  });

  it("explains violations, with how long the condition lasted when the server says", () => {
    const view = describeViolation({
      code: "face_missing",
      rule: "condition longer than 5 s",
      detail: { lasted_s: 6.04 },
    });
    assert.equal(view.title, "Violation: Face missing");
    assert.equal(view.text, "Your face was out of view for 6 s.");
    assert.equal(describeViolation({ code: "silence", detail: {} }).text, "No sound from your microphone.");
    assert.equal(view.tone, "alert");
    assert.match(describeViolation({ code: "tab_switch" }).text, /left the exam page/);
  });

  it("words coverage and the reasons for review from the server's report", () => {
    const unwatched = describeCoverage({
      penalties: [],
      coverage: { summary: "camera 0%, microphone 0% of 10 min monitored; 1 gap, the longest 10 min" },
      needs_review: true,
      review_reasons: ["The camera never worked during the 10 min monitored."],
    });
    assert.equal(
      unwatched.coverage,
      "Monitoring coverage: camera 0%, microphone 0% of 10 min monitored; 1 gap, the longest 10 min.",
    );
    assert.deepEqual(unwatched.reasons, ["The camera never worked during the 10 min monitored."]);
    assert.equal(unwatched.tone, "warn");
    assert.doesNotMatch(unwatched.noDeductions, /nothing was recorded against you/);
    const watched = describeCoverage({ coverage: { summary: "camera 100%" }, needs_review: false, review_reasons: [] });
    assert.deepEqual([watched.reasons, watched.tone], [[], "ok"]);
    assert.match(watched.noDeductions, /nothing was recorded against you/);
    const older = describeCoverage({ score: 100, risk_level: "green", penalties: [] });
    assert.deepEqual([older.coverage, older.reasons], [null, []]);
  });

  it("shows notices as notices", () => {
    const view = describeViolation({ code: "camera_unavailable", notice: true });
    assert.equal(view.title, "Notice: Camera unavailable");
    assert.equal(view.tone, "warn");
  });

  it("spells out codes from plugins it does not know", () => {
    assert.equal(codeLabel("gaze_away"), "Gaze away");
    assert.equal(describeViolation({ code: "gaze_away" }).text, "Recorded for the reviewer.");
  });

  it("says when offline and how much is waiting", () => {
    assert.match(describeConnection({ online: false, queued: 12 }).text, /^Offline: 12 observations waiting/);
    assert.match(describeConnection({ online: false, queued: 1 }).text, /1 observation waiting/);
    assert.equal(describeConnection({ online: true, queued: 0 }).text, "Connected");
    assert.equal(describeConnection({ online: true, queued: 20 }).tone, "warn");
  });

  it("says why observations wait, and never claims offline when the service is the trouble", () => {
    const server = describeConnection({ online: false, queued: 21, reason: "server_error" }).text;
    assert.equal(server, "The service reported an error: 21 observations waiting; retrying");
    assert.doesNotMatch(server, /Offline/);
    assert.match(describeConnection({ online: false, queued: 2, reason: "unreachable" }).text, /^No answer/);
    assert.equal(
      describeConnection({ online: false, queued: 0, reason: "offline" }).text,
      "Offline: they will be sent when the connection returns",
      "no \"0 observations waiting\"",
    );
  });

  it("names the risk bands in words", () => {
    assert.deepEqual(
      ["green", "yellow", "red"].map((band) => describeBand(band).tone),
      ["ok", "warn", "alert"],
    );
    assert.match(describeBand("yellow").text, /^Yellow/);
  });
});
