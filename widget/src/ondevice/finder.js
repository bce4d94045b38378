/**
 * The on-device face finder: the product's BlazeFace models (ONNX) run by ONNX Runtime Web's WebAssembly
 * backend, both served by the service itself (nothing is fetched from another host). Each frame runs the short-
 * and the full-range model and keeps the answer with more faces, so a small second face is caught; a lone face
 * gets the service's second look on a crop before its pose is judged.
 *
 * @module ondevice/finder
 */

import {
  CROP_FACTOR, FULL_RANGE, REFINE_BELOW_PX, REFINE_FROM_DEG, SHORT_RANGE, decode, estimatePose, letterbox, makeAnchors,
  toFaces,
} from "./blazeface.js";
import { WORKING_SIDE, captureQuality } from "./quality.js";

/** Where the service serves ONNX Runtime Web (widget/package.json, installed by `npm ci --prefix widget`). */
export const RUNTIME_URL = new URL("../../ort/", import.meta.url).href;

/**
 * @typedef {object} Verdict what the widget sends instead of the picture
 * @property {number} width @property {number} height size of the analysed picture
 * @property {Array<{x: number, y: number, width: number, height: number, score: number, yaw_deg: number | null, turned: boolean | null}>} faces
 * @property {"ok" | "too_dark" | "blurred"} quality
 * @property {number} ms time the analysis took
 */

/**
 * Load the runtime and both models. Rejects when either cannot load (the caller falls back to server analysis).
 * @param {{runtimeUrl?: string, document?: Document}} [options]
 * @returns {Promise<{find: (source: CanvasImageSource, width: number, height: number) => Promise<Verdict>}>}
 */
export async function loadFinder({ runtimeUrl = RUNTIME_URL, document: doc = document } = {}) {
  const ort = await import(new URL("ort.wasm.bundle.min.mjs", runtimeUrl).href);
  ort.env.wasm.wasmPaths = runtimeUrl;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const models = await Promise.all(
    [SHORT_RANGE, FULL_RANGE].map(async (spec) => ({
      spec,
      anchors: makeAnchors(spec),
      session: await ort.InferenceSession.create(new URL(`./models/${spec.file}`, import.meta.url).href, {
        executionProviders: ["wasm"],
      }),
      canvas: Object.assign(doc.createElement("canvas"), { width: spec.inputSize, height: spec.inputSize }),
    })),
  );
  const qualityCanvas = doc.createElement("canvas");

  /** Detections of `model` on the picture `paint` draws into its input square. */
  async function detect(model, paint) {
    const { spec, session, canvas, anchors } = model;
    const size = spec.inputSize;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#000";
    context.fillRect(0, 0, size, size);
    paint(context, size);
    const rgba = context.getImageData(0, 0, size, size).data;
    const input = new Float32Array(3 * size * size);
    for (let i = 0, plane = size * size; i < plane; i += 1) {
      input[i] = rgba[4 * i] / 127.5 - 1;
      input[plane + i] = rgba[4 * i + 1] / 127.5 - 1;
      input[2 * plane + i] = rgba[4 * i + 2] / 127.5 - 1;
    }
    const outputs = await session.run({ input: new ort.Tensor("float32", input, [1, 3, size, size]) });
    const [scores, regressors] = session.outputNames
      .map((name) => outputs[name])
      .sort((a, b) => a.dims[a.dims.length - 1] - b.dims[b.dims.length - 1]);
    return decode(scores.data, regressors.data, anchors, spec);
  }

  async function run(model, source, width, height) {
    const size = model.spec.inputSize;
    const box = letterbox(width, height, size);
    const found = await detect(model, (context) => context.drawImage(source, box.left, box.top, box.newW, box.newH));
    return toFaces(found, box, size);
  }

  /** The service's second look at a lone face: its pose from a crop around it, where its keypoints are precise. */
  async function refine(face, source, width, height) {
    const [short] = models;
    const inputPx = (face.height * short.spec.inputSize) / Math.max(width, height);
    if (!(inputPx < REFINE_BELOW_PX || face.yaw_deg === null || Math.abs(face.yaw_deg) >= REFINE_FROM_DEG)) return face;
    const side = Math.max(face.width, face.height) * CROP_FACTOR;
    const left = face.x + face.width / 2 - side / 2, top = face.y + face.height / 2 - side / 2;
    const found = await detect(short, (context, size) => context.drawImage(source, left, top, side, side, 0, 0, size, size));
    if (!found.length) return face;
    const centrality = (d) => Math.abs(d.box[0] + d.box[2] - 1) + Math.abs(d.box[1] + d.box[3] - 1);
    const central = found.reduce((best, d) => (centrality(d) < centrality(best) ? d : best));
    const pose = estimatePose(central.keypoints);
    return { ...face, yaw_deg: pose.yawDeg, turned: pose.turned };
  }

  return {
    async find(source, width, height) {
      const started = performance.now();
      let faces = [];
      for (const model of models) {
        const found = await run(model, source, width, height);
        if (found.length > faces.length) faces = found;
      }
      if (faces.length === 1) faces = [await refine(faces[0], source, width, height)];
      let quality = "ok";
      if (!faces.length) {
        const factor = Math.min(1, WORKING_SIDE / Math.max(width, height));
        qualityCanvas.width = Math.max(1, Math.round(width * factor));
        qualityCanvas.height = Math.max(1, Math.round(height * factor));
        const context = qualityCanvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(source, 0, 0, qualityCanvas.width, qualityCanvas.height);
        const pixels = context.getImageData(0, 0, qualityCanvas.width, qualityCanvas.height).data;
        quality = captureQuality(pixels, qualityCanvas.width, qualityCanvas.height);
      }
      return { width, height, faces, quality, ms: performance.now() - started };
    },
  };
}
