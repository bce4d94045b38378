/**
 * Microphone activity through Web Audio: an AnalyserNode (fftSize 1024, smoothing 0.8) read at 10 Hz, reduced
 * to one report per second. No audio leaves the browser, only the silent / not-silent flag and its level.
 *
 * @module onAudioActivity
 */

import { createSilenceMeter } from "./lib/silenceMeter.js";

/**
 * @typedef {object} AudioActivityOptions
 * @property {number} [threshold=5] a second whose average analyser level (0-255) is below this is silent
 * @property {number} [pollMs=100] how often the analyser is read (10 Hz)
 * @property {(level: number, speaking: boolean) => void} [onLevel] every poll, for a level meter
 * @property {typeof AudioContext} [AudioContext]
 */

/**
 * Call `callback(report, capturedAtMs)` once a second with `{is_silent, level}` for the microphone in `stream`.
 *
 * @param {MediaStream} stream a stream with an audio track
 * @param {(report: import("./lib/silenceMeter.js").AudioReport, capturedAtMs: number) => void} callback
 * @param {AudioActivityOptions} [options]
 * @returns {() => void} stop listening (closes the audio context)
 */
export function onAudioActivity(
  stream,
  callback,
  { threshold = 5, pollMs = 100, onLevel = () => {}, AudioContext: Context = globalThis.AudioContext } = {},
) {
  const context = new Context();
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  analyser.smoothingTimeConstant = 0.8;
  const source = context.createMediaStreamSource(stream);
  source.connect(analyser);
  // Created after the consent click, the context runs. Should the browser still hold it suspended (its analyser
  // would read silence), it is resumed at the next click or key press.
  const resume = () => {
    if (context.state === "suspended") context.resume().catch(() => {});
  };
  resume();
  globalThis.addEventListener?.("pointerdown", resume, true);
  globalThis.addEventListener?.("keydown", resume, true);

  const bins = new Uint8Array(analyser.frequencyBinCount);
  const meter = createSilenceMeter({ threshold });
  const timer = setInterval(() => {
    analyser.getByteFrequencyData(bins);
    let sum = 0;
    for (const value of bins) sum += value;
    const level = sum / bins.length;
    const reading = meter.push(level, performance.now());
    onLevel(level, reading.speaking);
    if (reading.report) callback(reading.report, Date.now());
  }, pollMs);

  return () => {
    clearInterval(timer);
    globalThis.removeEventListener?.("pointerdown", resume, true);
    globalThis.removeEventListener?.("keydown", resume, true);
    source.disconnect();
    context.close().catch(() => {});
  };
}
