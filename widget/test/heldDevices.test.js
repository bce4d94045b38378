import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { holdDevices } from "../src/heldDevices.js";

/** A stream whose tracks record being stopped. */
function fakeStream(kind) {
  const track = { kind, stopped: false, stop() { track.stopped = true; } };
  return { track, getTracks: () => [track] };
}

/**
 * getUserMedia that refuses the combined request (so each device is opened on its own) and answers each device as
 * told: a stream, or the name of the error it fails with.
 */
function fakeMediaDevices({ camera = "stream", microphone = "stream" } = {}) {
  const opened = [];
  return {
    opened,
    async getUserMedia(constraints) {
      if (constraints.video && constraints.audio) throw Object.assign(new Error("one at a time"), { name: "AbortError" });
      const kind = constraints.video ? "camera" : "microphone";
      const answer = kind === "camera" ? camera : microphone;
      if (answer !== "stream") throw Object.assign(new Error(answer), { name: answer });
      const stream = fakeStream(kind);
      opened.push(stream);
      return stream;
    },
  };
}

function held(mediaDevices) {
  const events = [];
  const devices = holdDevices({
    postEvent: (type) => events.push(type),
    silenceThreshold: 5,
    onAudio: () => {},
    onLevel: () => {},
    mediaDevices,
  });
  return { events, devices };
}

describe("held devices", () => {
  it("reports each device failure once, however often the check is retried", async () => {
    const { events, devices } = held(fakeMediaDevices({ camera: "NotAllowedError", microphone: "NotFoundError" }));
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const results = await devices.open(() => true);
      devices.keep(results)();
      devices.release();
    }
    assert.deepEqual(events, ["camera_unavailable", "microphone_unavailable"]);
    assert.deepEqual(devices.streams, { camera: null, microphone: null });
  });

  it("reports a device again for another problem", () => {
    const { events, devices } = held(fakeMediaDevices());
    devices.notify({ notice: "camera_unavailable", problem: "denied", message: "" }, "camera");
    devices.notify({ notice: "camera_unavailable", problem: "denied", message: "" }, "camera");
    devices.notify({ notice: "camera_unavailable", problem: "failed", message: "" }, "camera");
    devices.notify({ notice: "permission_revoked", problem: "denied", message: "" }, "camera");
    assert.deepEqual(events, ["camera_unavailable", "camera_unavailable", "permission_revoked"]);
  });

  it("closes again what was opened for a page that moved on meanwhile", async () => {
    const media = fakeMediaDevices();
    const { devices } = held(media);
    assert.equal(await devices.open(() => false), null);
    assert.equal(media.opened.length, 2);
    assert.ok(media.opened.every((stream) => stream.track.stopped), "the camera light goes off");
    assert.deepEqual(devices.streams, { camera: null, microphone: null });
  });

  it("keeps the camera without a microphone, and stops it when closed", async () => {
    const { events, devices } = held(fakeMediaDevices({ microphone: "NotFoundError" }));
    const results = await devices.open(() => true);
    const stopMeter = devices.keep(results);
    assert.equal(typeof stopMeter, "function", "nothing to meter, still a stop function");
    assert.ok(devices.streams.camera);
    assert.equal(devices.streams.microphone, null);
    assert.deepEqual(events, ["microphone_unavailable"]);
    const camera = devices.streams.camera;
    devices.close();
    assert.equal(camera.track.stopped, true);
    assert.equal(devices.streams.camera, camera, "closing keeps the streams; releasing forgets them");
    devices.release();
    assert.equal(devices.streams.camera, null);
  });
});
