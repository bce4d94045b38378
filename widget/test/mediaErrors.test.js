import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeLostDevice, describeMediaError } from "../src/lib/mediaErrors.js";

describe("device problems", () => {
  it("maps getUserMedia errors to a problem, a notice and advice", () => {
    const cases = [
      ["NotAllowedError", "denied"],
      ["NotFoundError", "missing"],
      ["OverconstrainedError", "missing"],
      ["NotReadableError", "busy"],
      ["SecurityError", "blocked"],
      ["NotSupportedError", "blocked"],
      ["WeirdError", "failed"],
    ];
    for (const [name, problem] of cases) {
      const camera = describeMediaError({ name }, "camera");
      assert.equal(camera.problem, problem, name);
      assert.equal(camera.notice, "camera_unavailable");
      assert.equal(describeMediaError({ name }, "microphone").notice, "microphone_unavailable");
    }
    assert.match(describeMediaError({ name: "NotAllowedError" }, "camera").message, /denied.*Check again/);
    assert.match(describeMediaError({ name: "SecurityError" }, "microphone").message, /allow="camera; microphone"/);
  });

  it("tells a withdrawn permission from a device that stopped", () => {
    assert.equal(describeLostDevice("camera", "denied").notice, "permission_revoked");
    assert.equal(describeLostDevice("microphone", "granted").notice, "microphone_unavailable");
    assert.equal(describeLostDevice("camera", null).notice, "camera_unavailable");
  });
});
