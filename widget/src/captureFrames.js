/**
 * Webcam frames: the stream plays into a hidden video element, and every interval the current picture is drawn
 * on a canvas and encoded as JPEG. Frames are analysed by the server and discarded.
 *
 * @module captureFrames
 */

/**
 * @typedef {object} CaptureFramesOptions
 * @property {number} [intervalMs=1000] time between two frames
 * @property {number} [quality=0.5] JPEG quality
 * @property {"binary" | "dataurl"} [encoding="binary"] a `Blob` (posted as a raw image/jpeg body) or a data URL
 * @property {Document} [document]
 */

/**
 * Call `callback(image, capturedAtMs)` with one JPEG frame of `stream` every `intervalMs`, always in capture order:
 * JPEG encoding is asynchronous and a later frame may finish first, so each frame waits for the one before it (the
 * sequence number the transport gives it then follows capture order).
 *
 * @param {MediaStream} stream a stream with a video track
 * @param {(image: Blob | string, capturedAtMs: number) => void} callback
 * @param {CaptureFramesOptions} [options]
 * @returns {() => void} stop capturing
 */
export function captureFrames(
  stream,
  callback,
  { intervalMs = 1000, quality = 0.5, encoding = "binary", document: doc = document } = {},
) {
  const video = doc.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("aria-hidden", "true");
  video.style.cssText = "position:absolute;width:1px;height:1px;opacity:0;pointer-events:none";
  video.srcObject = stream;
  doc.body.append(video);
  video.play().catch(() => {});
  const canvas = doc.createElement("canvas");
  const context = canvas.getContext("2d");
  let stopped = false;
  let delivered = Promise.resolve();

  function grab() {
    if (video.readyState < video.HAVE_CURRENT_DATA || !video.videoWidth) return;
    const capturedAtMs = Date.now();
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    if (encoding === "dataurl") {
      callback(canvas.toDataURL("image/jpeg", quality), capturedAtMs);
    } else {
      const encoded = new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      delivered = delivered
        .then(() => encoded)
        .then((blob) => {
          if (blob && !stopped) callback(blob, capturedAtMs);
        });
    }
  }

  const timer = setInterval(grab, intervalMs);
  return () => {
    stopped = true;
    clearInterval(timer);
    video.pause();
    video.srcObject = null;
    video.remove();
  };
}
