"""Face detection benchmark: speed and accuracy of the face finders against the original Haar pipeline.

Usage::

    python bench/detectors.py [FOLDER] [--passes N] [--verbose]

FOLDER holds ``labels.json`` (``images[]``: ``file``, ``face_count``, ``orientation``, ``tags``) and the images;
it defaults to ``../shared/testdata/faces`` beside the repository. Every variant runs the whole path from base64
text to a verdict on one thread; each image is timed ``--passes`` times and the per-image medians are summarised.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from proctor_core.imaging import decode_image
from proctor_vision.finder import BlazeFaceFinder
from proctor_vision.quality import capture_quality

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "faces"
CLASSES = ("none", "one", "several")
SYNTHETIC_HEIGHTS = (40, 60, 80, 100, 130)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a variant said about one image: face count, turned verdict of a lone face, "can't tell"."""

    faces: int
    turned: bool | None = None
    cant_tell: bool = False


@dataclass
class Result:
    """One variant's verdicts and per-image median times."""

    name: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    times_ms: dict[str, float] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms.values())


def count_class(count: int) -> str:
    return CLASSES[min(count, 2)]


def haar_original() -> Callable[[str], Verdict]:
    """The original pipeline: full-size colour decode, grey, frontal Haar cascade with default parameters."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def run(text: str) -> Verdict:
        image = cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return Verdict(len(cascade.detectMultiScale(grey)))

    return run


def haar_tuned() -> Callable[[str], Verdict]:
    """Haar on a half-size grey decode, with a larger scale step, more neighbours and a minimum size."""
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def run(text: str) -> Verdict:
        grey = cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
        faces = cascade.detectMultiScale(grey, scaleFactor=1.2, minNeighbors=5, minSize=(18, 18))
        return Verdict(len(faces))

    return run


def blazeface(fallback: bool) -> Callable[[str], Verdict]:
    """The built-in finder: decode_image, then BlazeFaceFinder.find."""
    finder = BlazeFaceFinder(fallback=fallback)

    def run(text: str) -> Verdict:
        analysis = finder.find(decode_image(text))
        turned = analysis.faces[0].turned if analysis.face_count == 1 else None
        return Verdict(analysis.face_count, turned, cant_tell=analysis.face_status == "unclear")

    return run


def measure(name: str, run: Callable[[str], Verdict], texts: dict[str, str], passes: int) -> Result:
    result = Result(name)
    for file, text in texts.items():
        result.verdicts[file] = run(text)  # warm-up and verdict
        times = []
        for _ in range(passes):
            start = time.perf_counter()
            run(text)
            times.append((time.perf_counter() - start) * 1000)
        result.times_ms[file] = statistics.median(times)
    return result


def pct(good: int, total: int) -> str:
    return f"{good}/{total} ({100 * good / total:.0f}%)" if total else "n/a"


def report(results: list[Result], images: list[dict], baseline: Result) -> None:
    truth = {im["file"]: im for im in images}
    oriented = [im for im in images if im["face_count"] == 1 and im.get("orientation")]
    tags = sorted({tag for im in images for tag in im.get("tags", [])}) + ["(untagged)"]

    print("\n| variant | median ms/frame | p90 ms | speed-up vs original | face count | orientation | can't tell |")
    print("| --- | ---: | ---: | ---: | --- | --- | ---: |")
    for res in results:
        good = sum(count_class(res.verdicts[f].faces) == count_class(im["face_count"]) for f, im in truth.items())
        has_pose = any(v.turned is not None for v in res.verdicts.values())
        turned_ok = sum(res.verdicts[im["file"]].turned == (im["orientation"] == "turned") for im in oriented)
        p90 = float(np.percentile(list(res.times_ms.values()), 90))
        print(
            f"| {res.name} | {res.median_ms:.2f} | {p90:.2f} | {baseline.median_ms / res.median_ms:.1f}x "
            f"| {pct(good, len(images))} | {pct(turned_ok, len(oriented)) if has_pose else 'n/a (no pose)'} "
            f"| {sum(v.cant_tell for v in res.verdicts.values())} |"
        )

    print("\nFace-count confusion (rows: labelled class, columns: found; '?' = can't tell)")
    for res in results:
        table = Counter(
            (count_class(im["face_count"]), "?" if res.verdicts[f].cant_tell else count_class(res.verdicts[f].faces))
            for f, im in truth.items()
        )
        cells = " ; ".join(
            f"{row}: " + " ".join(f"{col}={table[row, col]}" for col in (*CLASSES, "?")) for row in CLASSES
        )
        print(f"  {res.name}: {cells}")

    print("\nFace-count accuracy per tag")
    print("| tag | images | " + " | ".join(res.name for res in results) + " |")
    print("| --- | ---: |" + " --- |" * len(results))
    for tag in tags:
        members = [im for im in images if (tag in im.get("tags", [])) or (tag == "(untagged)" and not im.get("tags"))]
        cells = [
            pct(sum(count_class(res.verdicts[im["file"]].faces) == count_class(im["face_count"]) for im in members),
                len(members))
            for res in results
        ]
        print(f"| {tag} | {len(members)} | " + " | ".join(cells) + " |")

    print("\nErrors")
    for res in results:
        wrong = [
            f"{f} (labelled {im['face_count']}, found {res.verdicts[f].faces}"
            + (", can't tell" if res.verdicts[f].cant_tell else "") + ")"
            for f, im in truth.items()
            if count_class(res.verdicts[f].faces) != count_class(im["face_count"])
        ]
        wrong += [
            f"{im['file']} (orientation {im['orientation']}, said turned={res.verdicts[im['file']].turned})"
            for im in oriented
            if res.verdicts[im["file"]].turned is not None
            and res.verdicts[im["file"]].turned != (im["orientation"] == "turned")
        ]
        print(f"  {res.name}: " + ("; ".join(wrong) if wrong else "none"))


def report_quality(images: list[dict], blobs: dict[str, bytes]) -> None:
    """Capture-quality verdict on every image (the finder asks only when it finds no face)."""
    flagged = {im["file"]: capture_quality(decode_image(blobs[im["file"]]).pixels).value for im in images}
    print("\nCapture quality on every image (the finder consults it only when it finds no face)")
    for tag in ("dark", "blur", "lowres"):
        members = [im["file"] for im in images if tag in im.get("tags", [])]
        print(f"  tagged {tag}: " + ", ".join(f"{f}={flagged[f]}" for f in members))
    clean = [im["file"] for im in images if not {"dark", "blur", "lowres"} & set(im.get("tags", []))]
    false = [f"{f}={flagged[f]}" for f in clean if flagged[f] != "ok"]
    print(f"  other images flagged: {len(false)}/{len(clean)}" + (f" ({', '.join(false)})" if false else ""))


def synthetic_frames(
    images: list[dict], blobs: dict[str, bytes], heights: tuple[int, ...]
) -> list[tuple[int, dict, str]]:
    """Labelled single-face images shrunk so the face is ``height`` px tall, pasted into a 640x480 frame whose
    background is a labelled empty image, as sent and mirrored: ``(height, image, base64 JPEG)``.

    The face height in each source is measured with the default finder, so only images it finds take part.
    """
    empty = next(im for im in images if im["face_count"] == 0 and not im.get("tags"))
    background = cv2.resize(cv2.imdecode(np.frombuffer(blobs[empty["file"]], np.uint8), cv2.IMREAD_COLOR), (640, 480))
    finder = BlazeFaceFinder()
    frames = []
    for im in images:
        if im["face_count"] != 1 or not im.get("orientation") or set(im.get("tags", [])) - {"1280x720"}:
            continue
        analysis = finder.find(decode_image(blobs[im["file"]]))
        if analysis.face_count != 1:
            continue
        source = cv2.imdecode(np.frombuffer(blobs[im["file"]], np.uint8), cv2.IMREAD_COLOR)
        for height in heights:
            factor = height / analysis.faces[0].height
            small = cv2.resize(source, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)[:480, :640]
            for mirrored in (False, True):
                canvas = background.copy()
                top, left = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
                canvas[top:top + small.shape[0], left:left + small.shape[1]] = small[:, ::-1] if mirrored else small
                ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 50])
                frames.append((height, im, base64.b64encode(jpeg.tobytes()).decode("ascii")))
    return frames


def report_synthetic(variants: list[tuple[str, Callable[[str], Verdict]]], frames: list[tuple[int, dict, str]]) -> None:
    heights = sorted({height for height, _, _ in frames})
    print("\nSynthetic small faces: one face of the given height in a 640x480 frame (sources as sent and mirrored);")
    print("found = exactly one face; orientation = right verdict among those found (turned: of the turned ones)")
    print("| variant | " + " | ".join(f"{h} px found / orientation" for h in heights) + " |")
    print("| --- |" + " --- |" * len(heights))
    for name, run in variants:
        cells = []
        for height in heights:
            verdicts = [(run(text), im) for h, im, text in frames if h == height]
            found = [(v, im) for v, im in verdicts if v.faces == 1]
            pose = sum(v.turned == (im["orientation"] == "turned") for v, im in found)
            turned = [v.turned for v, im in found if im["orientation"] == "turned"]
            has_pose = any(v.turned is not None for v, _ in found)
            cells.append(
                f"{len(found)}/{len(verdicts)} / "
                + (f"{pose}/{len(found)} (turned {sum(turned)}/{len(turned)})" if has_pose else "n/a")
            )
        print(f"| {name} | " + " | ".join(cells) + " |")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--passes", type=int, default=7, help="timed runs per image and variant (median taken)")
    parser.add_argument("--verbose", action="store_true", help="print every verdict")
    args = parser.parse_args(argv)

    labels = json.loads((args.folder / "labels.json").read_text())
    images = labels["images"]
    blobs = {im["file"]: (args.folder / im["file"]).read_bytes() for im in images}
    texts = {file: base64.b64encode(blob).decode("ascii") for file, blob in blobs.items()}
    cv2.setNumThreads(1)
    print(f"{len(images)} images from {args.folder}; CPU: {cpu_model()}; 1 thread; OpenCV {cv2.__version__}; "
          f"{args.passes} timed passes per image")

    variants = [
        ("Haar original", haar_original()),
        ("Haar tuned (half-size grey)", haar_tuned()),
        ("BlazeFace short (default)", blazeface(fallback=False)),
        ("BlazeFace short + full fallback", blazeface(fallback=True)),
    ]
    results = [measure(name, run, texts, args.passes) for name, run in variants]
    if args.verbose:
        for res in results:
            print(f"\n{res.name}")
            for im in images:
                v = res.verdicts[im["file"]]
                print(f"  {im['file']:34s} labelled {im['face_count']} {im.get('orientation') or '':8s} -> "
                      f"{v.faces} turned={v.turned} cant_tell={v.cant_tell} {res.times_ms[im['file']]:.2f} ms")
    report(results, images, baseline=results[0])
    report_quality(images, blobs)
    report_synthetic(variants, synthetic_frames(images, blobs, SYNTHETIC_HEIGHTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
