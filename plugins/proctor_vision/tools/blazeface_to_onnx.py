"""Build-time conversion of the BlazeFace .tflite files to the ONNX files the service and the widget run.

Run once when the models change, in a throw-away virtual environment (tflite2onnx is not a dependency of the
product), and commit the output; then update the sha256 column of ``models/PROVENANCE.md`` from what it prints:

    python3 -m venv /tmp/convert
    /tmp/convert/bin/pip install tflite2onnx==0.4.1 onnx onnxruntime 'opencv-python-headless<5'
    /tmp/convert/bin/python plugins/proctor_vision/tools/blazeface_to_onnx.py

The weights are unchanged (tflite2onnx rewrites the graph, float16 weights become float32). The short-range network
is fully convolutional, so its input height and width are left open (the service reads whole frames at 256 x 192,
crops at 128 x 128; the widget 128 x 128). The script checks ONNX Runtime's outputs against OpenCV's run of the
.tflite at every input shape the product uses and refuses to write otherwise.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime
import tflite2onnx

MODELS = Path(__file__).resolve().parents[1] / "models"
TEST_IMAGE = Path(__file__).resolve().parents[3] / "tests" / "data" / "grace_hopper.jpg"
CONVERSIONS = {  # file stem: (input shapes to check as (width, height), whether height and width are open)
    "face_detection_short_range": ([(128, 128), (256, 192), (128, 96)], True),
    "face_detection_full_range": ([(192, 192)], False),
}
TOLERANCE = 1e-3


def convert(stem: str, shapes: list[tuple[int, int]], open_shape: bool, image: np.ndarray) -> str:
    source, target = MODELS / f"{stem}.tflite", MODELS / f"{stem}.onnx"
    tflite2onnx.convert(str(source), str(target))
    if open_shape:
        model = onnx.load(str(target))
        dims = model.graph.input[0].type.tensor_type.shape.dim
        dims[2].dim_param, dims[3].dim_param = "height", "width"
        for output in model.graph.output:  # the anchor count follows the input shape
            output.type.tensor_type.shape.dim[1].dim_param = "anchors"
        del model.graph.value_info[:]  # intermediate shapes were inferred for 128 x 128
        onnx.checker.check_model(model)
        onnx.save(model, str(target))
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    net = cv2.dnn.readNetFromTFLite(np.frombuffer(source.read_bytes(), dtype=np.uint8))
    worst = 0.0
    for shape in shapes:
        blob = cv2.dnn.blobFromImage(cv2.resize(image, shape), 1 / 127.5, mean=(127.5, 127.5, 127.5), swapRB=True)
        net.setInput(blob)
        expected = dict(zip(names, net.forward(names), strict=True))
        got = dict(zip(names, session.run(names, {"input": blob}), strict=True))
        worst = max(worst, *(float(np.abs(got[n].reshape(-1) - expected[n].reshape(-1)).max()) for n in names))
    if worst > TOLERANCE:
        target.unlink()
        raise SystemExit(f"{stem}: ONNX differs from the .tflite by {worst}")
    return (
        f"{target.name}: from {source.name} (sha256 {hashlib.sha256(source.read_bytes()).hexdigest()}), "
        f"{target.stat().st_size} bytes, max output difference {worst:.1e} at {shapes}, "
        f"sha256 {hashlib.sha256(target.read_bytes()).hexdigest()}"
    )


def main() -> None:
    image = cv2.imread(str(TEST_IMAGE))
    if image is None:
        raise SystemExit(f"cannot read {TEST_IMAGE}")
    for stem, (shapes, open_shape) in CONVERSIONS.items():
        print(convert(stem, shapes, open_shape, image))


if __name__ == "__main__":
    main()
