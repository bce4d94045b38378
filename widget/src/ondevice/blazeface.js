/**
 * BlazeFace post-processing, the same as the service's finder (plugins/proctor_vision/blazeface.py, finder.py,
 * pose.py): SSD anchors, box and keypoint decoding, weighted non-maximum suppression, and head yaw from the
 * keypoints. Pure functions over typed arrays, so they are unit-tested in Node against the Python numbers.
 *
 * @module ondevice/blazeface
 */

/** @typedef {{file: string, inputSize: number, strides: number[], anchorsPerCell: number, minScore: number}} ModelSpec */

/** @type {ModelSpec} */
export const SHORT_RANGE = {
  file: "face_detection_short_range.onnx", inputSize: 128, strides: [8, 16, 16, 16], anchorsPerCell: 2, minScore: 0.6,
};
/** @type {ModelSpec} */
export const FULL_RANGE = {
  file: "face_detection_full_range.onnx", inputSize: 192, strides: [4], anchorsPerCell: 1, minScore: 0.6,
};
export const NMS_IOU = 0.3;
export const MIN_FACE_PX = 36;
export const NOSE_DEPTH = 0.6;
export const TURNED_DEG = 30;
/** A lone face is looked at again on a crop (side: CROP_FACTOR face sides) when it is smaller than REFINE_BELOW_PX
 * in the short-range input or its first yaw estimate reaches REFINE_FROM_DEG, as the service's finder does. */
export const REFINE_FROM_DEG = 12;
export const REFINE_BELOW_PX = 24;
export const CROP_FACTOR = 2;

/**
 * Anchor centres (x, y pairs, 0..1) in the order the model emits its predictions.
 * @param {ModelSpec} spec
 * @returns {Float32Array}
 */
export function makeAnchors(spec) {
  const centres = [];
  let layer = 0;
  while (layer < spec.strides.length) {
    const stride = spec.strides[layer];
    let same = 0;
    while (layer < spec.strides.length && spec.strides[layer] === stride) {
      same += 1;
      layer += 1;
    }
    const cells = Math.ceil(spec.inputSize / stride);
    for (let y = 0; y < cells; y += 1) {
      for (let x = 0; x < cells; x += 1) {
        for (let k = 0; k < same * spec.anchorsPerCell; k += 1) centres.push((x + 0.5) / cells, (y + 0.5) / cells);
      }
    }
  }
  return Float32Array.from(centres);
}

/**
 * @typedef {{box: number[], score: number, keypoints: number[]}} Detection box [xmin, ymin, xmax, ymax] and
 *   keypoints [x0, y0, ... x5, y5] in model-input units (0..1 of the square)
 */

/**
 * Raw outputs to merged detections above the model's score.
 * @param {Float32Array} scores one logit per anchor
 * @param {Float32Array} regressors 16 values per anchor
 * @param {Float32Array} anchors from {@link makeAnchors}
 * @param {ModelSpec} spec
 * @returns {Detection[]}
 */
export function decode(scores, regressors, anchors, spec) {
  const logit = Math.log(spec.minScore / (1 - spec.minScore));
  const candidates = [];
  for (let i = 0; i < scores.length; i += 1) {
    if (!(scores[i] > logit)) continue;
    const r = regressors.subarray(i * 16, i * 16 + 16);
    const ax = anchors[2 * i], ay = anchors[2 * i + 1], n = spec.inputSize;
    const cx = r[0] / n + ax, cy = r[1] / n + ay, halfW = r[2] / n / 2, halfH = r[3] / n / 2;
    const keypoints = [];
    for (let k = 0; k < 6; k += 1) keypoints.push(r[4 + 2 * k] / n + ax, r[5 + 2 * k] / n + ay);
    const score = 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, scores[i]))));
    candidates.push({ box: [cx - halfW, cy - halfH, cx + halfW, cy + halfH], score, keypoints });
  }
  return weightedNms(candidates);
}

/** @param {number[]} a @param {number[]} b */
function iou(a, b) {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return inter / Math.max(union, 1e-9);
}

/**
 * Merge overlapping detections into their score-weighted mean, with the best member's score.
 * @param {Detection[]} candidates
 * @returns {Detection[]}
 */
export function weightedNms(candidates) {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const remaining = sorted.map(() => true);
  const merged = [];
  for (let i = 0; i < sorted.length; i += 1) {
    if (!remaining[i]) continue;
    const cluster = [];
    for (let j = 0; j < sorted.length; j += 1) {
      if (!remaining[j] || (j !== i && !(iou(sorted[i].box, sorted[j].box) > NMS_IOU))) continue;
      cluster.push(sorted[j]);
      remaining[j] = false;
    }
    const total = cluster.reduce((sum, d) => sum + d.score, 0);
    const mean = (pick, length) =>
      Array.from({ length }, (_, k) => cluster.reduce((sum, d) => sum + pick(d)[k] * d.score, 0) / total);
    merged.push({ box: mean((d) => d.box, 4), score: sorted[i].score, keypoints: mean((d) => d.keypoints, 12) });
  }
  return merged;
}

/**
 * Head yaw in degrees (positive: nose towards the image's right) from the keypoints, as the service estimates it.
 * @param {number[]} keypoints 12 numbers in any isotropic coordinates
 * @returns {{yawDeg: number | null, turned: boolean | null}}
 */
export function estimatePose(keypoints) {
  const [rx, ry, lx, ly, nx, ny] = keypoints;
  const ax = lx - rx, ay = ly - ry;
  const eyeDistance = Math.hypot(ax, ay);
  if (eyeDistance < 1e-6) return { yawDeg: null, turned: null };
  const offset = ((nx - (lx + rx) / 2) * ax + (ny - (ly + ry) / 2) * ay) / (eyeDistance * eyeDistance);
  const yawDeg = (Math.atan(offset / NOSE_DEPTH) * 180) / Math.PI;
  return { yawDeg, turned: Math.abs(yawDeg) > TURNED_DEG };
}

/**
 * Where an image of `width` x `height` sits in a letterboxed `size` square: its scale and padding, as the
 * service's `_letterbox` computes them.
 * @param {number} width @param {number} height @param {number} size
 */
export function letterbox(width, height, size) {
  const factor = size / Math.max(width, height);
  const newW = Math.max(1, Math.round(width * factor)), newH = Math.max(1, Math.round(height * factor));
  return { factor, newW, newH, left: Math.floor((size - newW) / 2), top: Math.floor((size - newH) / 2) };
}

/**
 * Detections in the square to faces in image pixels, dropping faces shorter than {@link MIN_FACE_PX}.
 * @param {Detection[]} detections
 * @param {{factor: number, left: number, top: number}} box from {@link letterbox}
 * @param {number} size model input side
 * @returns {Array<{x: number, y: number, width: number, height: number, score: number, yaw_deg: number | null, turned: boolean | null}>}
 */
export function toFaces(detections, box, size) {
  const scale = size / box.factor;
  const faces = [];
  for (const d of detections) {
    const x0 = (d.box[0] - box.left / size) * scale, y0 = (d.box[1] - box.top / size) * scale;
    const x1 = (d.box[2] - box.left / size) * scale, y1 = (d.box[3] - box.top / size) * scale;
    if (y1 - y0 < MIN_FACE_PX) continue;
    const pose = estimatePose(d.keypoints);
    faces.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: d.score, yaw_deg: pose.yawDeg, turned: pose.turned });
  }
  return faces;
}
