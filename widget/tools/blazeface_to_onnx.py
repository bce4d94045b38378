"""Build-time conversion of the product's BlazeFace .tflite files to ONNX for the widget's on-device finder.

Run once when the models change, in a throw-away virtual environment (these tools are not dependencies of the
product), and commit the output with its provenance:

    python3 -m venv /tmp/convert
    /tmp/convert/bin/pip install tflite2onnx==0.4.1 onnxruntime 'opencv-python-headless<5'
    /tmp/convert/bin/python widget/tools/blazeface_to_onnx.py

The weights are unchanged (tflite2onnx rewrites the graph, float16 weights become float32); the script checks that
ONNX Runtime's outputs match OpenCV's run of the .tflite on a test image and refuses to write otherwise.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import onnxruntime
import tflite2onnx

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "plugins" / "proctor_vision" / "models"
TARGET = ROOT / "widget" / "src" / "ondevice" / "models"
MODELS = {  # file stem: (input side, score output, regressor output)
    "face_detection_short_range": (128, "classificators", "regressors"),
    "face_detection_full_range": (192, "reshaped_classifier_face_4", "reshaped_regressor_face_4"),
}
TOLERANCE = 1e-3


def convert(stem: str, side: int, outputs: tuple[str, str], image: np.ndarray) -> str:
    source, target = SOURCE / f"{stem}.tflite", TARGET / f"{stem}.onnx"
    tflite2onnx.convert(str(source), str(target))
    square = cv2.cvtColor(cv2.resize(image, (side, side)), cv2.COLOR_BGR2RGB)
    net = cv2.dnn.readNetFromTFLite(np.frombuffer(source.read_bytes(), dtype=np.uint8))
    net.setInput(cv2.dnn.blobFromImage(square, 1 / 127.5, mean=(127.5, 127.5, 127.5)))
    expected = dict(zip(outputs, net.forward(list(outputs))))
    session = onnxruntime.InferenceSession(str(target))
    tensor = (square.astype(np.float32) / 127.5 - 1).transpose(2, 0, 1)[None]
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": tensor})))
    worst = max(float(np.abs(got[name].reshape(-1) - expected[name].reshape(-1)).max()) for name in outputs)
    if worst > TOLERANCE:
        target.unlink()
        raise SystemExit(f"{stem}: ONNX differs from the .tflite by {worst}")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return f"{target.name}: from {source.name} (sha256 {hashlib.sha256(source.read_bytes()).hexdigest()}), " \
        f"max output difference {worst:.1e}, sha256 {digest}"


def main() -> None:
    image = cv2.imread(str(ROOT / "tests" / "data" / "grace_hopper.jpg"))
    for stem, (side, *outputs) in MODELS.items():
        print(convert(stem, side, tuple(outputs), image))


if __name__ == "__main__":
    main()
