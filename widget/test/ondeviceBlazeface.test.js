import assert from "node:assert/strict";
import { test } from "node:test";

import {
  FULL_RANGE, SHORT_RANGE, decode, estimatePose, letterbox, makeAnchors, toFaces, weightedNms,
} from "../src/ondevice/blazeface.js";
import { captureQuality } from "../src/ondevice/quality.js";

test("anchors match the models' outputs: 896 short-range, 2304 full-range, centred in their cells", () => {
  const short = makeAnchors(SHORT_RANGE);
  assert.equal(short.length / 2, 896);
  assert.equal(makeAnchors(FULL_RANGE).length / 2, 2304);
  assert.deepEqual([...short.slice(0, 4)], [0.5 / 16, 0.5 / 16, 0.5 / 16, 0.5 / 16]); // two anchors per 8-px cell
  assert.deepEqual([...short.slice(512 * 2, 512 * 2 + 2)], [0.5 / 8, 0.5 / 8]); // then the 16-px grid
});

test("decode keeps anchors above the score and places box and keypoints around the anchor", () => {
  const anchors = makeAnchors(SHORT_RANGE);
  const scores = new Float32Array(896).fill(-10);
  const regressors = new Float32Array(896 * 16);
  const i = 600;
  scores[i] = 3; // sigmoid 0.95
  regressors.set([6.4, 0, 32, 64, -12.8, 0, 12.8, 0, 0, 6.4, 0, 12.8, -25.6, 0, 25.6, 0], i * 16);
  const [found, ...rest] = decode(scores, regressors, anchors, SHORT_RANGE);
  assert.equal(rest.length, 0);
  const [ax, ay] = [anchors[2 * i], anchors[2 * i + 1]];
  const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-6, `${a} != ${b}`);
  close(found.box[0], ax + 0.05 - 0.125);
  close(found.box[3], ay + 0.25);
  close(found.keypoints[0], ax - 0.1);
  close(found.score, 1 / (1 + Math.exp(-3)));
  scores[i] = Math.log(0.6 / 0.4) - 1e-3; // just under the model's score: nothing
  assert.deepEqual(decode(scores, regressors, anchors, SHORT_RANGE), []);
});

test("overlapping detections merge into their score-weighted mean; separate ones stay apart", () => {
  const kp = new Array(12).fill(0);
  const merged = weightedNms([
    { box: [0, 0, 1, 1], score: 0.9, keypoints: kp },
    { box: [0.1, 0, 1.1, 1], score: 0.3, keypoints: kp },
    { box: [5, 5, 6, 6], score: 0.8, keypoints: kp },
  ]);
  assert.equal(merged.length, 2);
  assert.ok(Math.abs(merged[0].box[0] - 0.025) < 1e-9);
  assert.equal(merged[0].score, 0.9);
});

test("pose: a centred nose faces the screen, a nose beside the eye line is turned, coincident eyes are unknown", () => {
  assert.deepEqual(estimatePose([0, 0, 1, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0]), { yawDeg: 0, turned: false });
  const turned = estimatePose([0, 0, 1, 0, 1.0, 0.5, 0, 0, 0, 0, 0, 0]);
  assert.ok(turned.yawDeg > 30 && turned.turned);
  assert.ok(estimatePose([0, 0, 1, 0, 0.1, 0.5, 0, 0, 0, 0, 0, 0]).yawDeg < -30);
  assert.deepEqual(estimatePose([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), { yawDeg: null, turned: null });
});

test("letterboxed detections map back to image pixels and small faces are dropped", () => {
  const box = letterbox(640, 480, 128);
  assert.deepEqual(box, { factor: 0.2, newW: 128, newH: 96, left: 0, top: 16 });
  const keypoints = [0.4, 0.4, 0.6, 0.4, 0.5, 0.5, 0, 0, 0, 0, 0, 0];
  const faces = toFaces(
    [
      { box: [0.25, 0.25, 0.75, 0.75], score: 0.9, keypoints },
      { box: [0.5, 0.5, 0.52, 0.52], score: 0.9, keypoints }, // 6.4 px tall in the image
    ],
    box,
    128,
  );
  assert.equal(faces.length, 1);
  assert.deepEqual([faces[0].x, faces[0].y, faces[0].width, faces[0].height], [160, 80, 320, 320]);
  assert.equal(faces[0].turned, false);
});

test("capture quality: dark is too dark, flat light is judged ok, a smooth ramp with contrast is blurred", () => {
  const picture = (value) => {
    const rgba = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i += 1) rgba.fill(value(i % 64, Math.floor(i / 64)), 4 * i, 4 * i + 3);
    return rgba;
  };
  assert.equal(captureQuality(picture(() => 10), 64, 64), "too_dark");
  assert.equal(captureQuality(picture(() => 140), 64, 64), "ok");
  assert.equal(captureQuality(picture((x) => 60 + x * 2), 64, 64), "blurred");
  assert.equal(captureQuality(picture((x, y) => ((x + y) % 2 ? 40 : 220)), 64, 64), "ok");
});
