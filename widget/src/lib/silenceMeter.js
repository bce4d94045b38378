/**
 * Pure reduction of microphone levels: per-second averages (what the server is sent) and a speaking state with
 * hysteresis (what the level meter shows).
 *
 * Levels are polled at 10 Hz or more and averaged over each second. Reading an analyser once a second with
 * smoothing 0.8 decays too slowly and misses silent gaps; averaging many polls does not. The speaking state
 * follows hark's rule: it switches on when 2 of the last 3 polls are loud and off only when the whole history is
 * quiet, so a pause between words does not flicker it.
 *
 * @module lib/silenceMeter
 */

/**
 * @typedef {object} AudioReport
 * @property {boolean} is_silent the second's average level is below the threshold
 * @property {number} level the second's average level (0-255, rounded to 0.1)
 */

/**
 * @typedef {object} MeterReading
 * @property {AudioReport | null} report the finished second, when this poll started a new one
 * @property {boolean} speaking the hysteresis state after this poll
 * @property {boolean} changed whether `speaking` changed with this poll
 */

/**
 * @param {object} [options]
 * @param {number} [options.threshold=5] a second whose average level is below this is silent
 * @param {number} [options.windowMs=1000] length of one report window
 * @param {number} [options.onPolls=2] loud polls among the last `ofPolls` that switch speaking on
 * @param {number} [options.ofPolls=3]
 * @param {number} [options.historyPolls=10] speaking switches off when this many last polls were all quiet
 */
export function createSilenceMeter({
  threshold = 5,
  windowMs = 1000,
  onPolls = 2,
  ofPolls = 3,
  historyPolls = 10,
} = {}) {
  let windowStart = null;
  let sum = 0;
  let count = 0;
  /** @type {boolean[]} */
  const history = [];
  let speaking = false;

  return {
    /**
     * Add one poll.
     * @param {number} level mean analyser magnitude of this poll (0-255)
     * @param {number} now milliseconds, monotonic
     * @returns {MeterReading}
     */
    push(level, now) {
      let report = null;
      if (windowStart === null) {
        windowStart = now;
      } else if (now - windowStart >= windowMs && count > 0) {
        const mean = sum / count;
        report = { is_silent: mean < threshold, level: Math.round(mean * 10) / 10 };
        windowStart = now;
        sum = 0;
        count = 0;
      }
      sum += level;
      count += 1;

      history.push(level >= threshold);
      if (history.length > historyPolls) history.shift();
      const wasSpeaking = speaking;
      if (!speaking) {
        speaking = history.slice(-ofPolls).filter(Boolean).length >= onPolls;
      } else if (history.length === historyPolls && history.every((loud) => !loud)) {
        speaking = false;
      }
      return { report, speaking, changed: speaking !== wasSpeaking };
    },
  };
}
