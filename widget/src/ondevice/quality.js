/**
 * Capture quality of a frame with no face, as the service judges it (plugins/proctor_vision/quality.py): too
 * dark, too blurred, or good enough to say "no face".
 *
 * @module ondevice/quality
 */

export const WORKING_SIDE = 256;
export const MIN_MEAN_LUMA = 40;
export const MIN_SHARPNESS = 0.03;
export const MIN_CONTRAST = 20;

/**
 * @param {Uint8ClampedArray} rgba pixels of a picture at most {@link WORKING_SIDE} on its longer side
 * @param {number} width @param {number} height
 * @returns {"ok" | "too_dark" | "blurred"}
 */
export function captureQuality(rgba, width, height) {
  const grey = new Float32Array(width * height);
  let sum = 0;
  for (let i = 0; i < grey.length; i += 1) {
    grey[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    sum += grey[i];
  }
  const mean = sum / grey.length;
  let square = 0;
  for (const v of grey) square += (v - mean) ** 2;
  const std = Math.sqrt(square / grey.length);
  if (mean < MIN_MEAN_LUMA) return "too_dark";
  if (std < MIN_CONTRAST) return "ok";
  const at = (x, y) => grey[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  let lapSum = 0, lapSquare = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const v = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
      lapSum += v;
      lapSquare += v * v;
    }
  }
  const n = grey.length;
  const sharpness = (lapSquare / n - (lapSum / n) ** 2) / Math.max(std * std, 1);
  return sharpness < MIN_SHARPNESS ? "blurred" : "ok";
}
