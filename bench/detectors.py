"""Face finder benchmark: accuracy and CPU time of the face finders against the original Haar pipeline, in one run.

Usage::

    python bench/detectors.py [FOLDER] [--repeat N] [--every N] [--seed S] [--verbose]

FOLDER holds ``labels.json`` (``images[]``: ``file``, ``face_count``, ``orientation``, ``tags``) and the images;
it defaults to ``../shared/testdata/faces`` beside the repository. Synthetic 640x480 frames are built from it
(bench/synthetic.py): a second face of 40/60/80 px beside a near candidate in six places, lone candidates, groups.

Every variant (bench/variants.py) runs the whole path from the base64 text the widget sends to a verdict, on one
thread. Time is CPU time of this process (``time.process_time``), not wall-clock time. The first repetition runs
every variant on every frame and gives the verdicts (the variants are deterministic); it and each further
repetition time every variant on the timed frames (all labelled images and every ``--every``-th synthetic frame).
Within a repetition the frames come in a new random order and the variants in a rotated order for each frame, so
load from elsewhere on the machine falls on all variants alike. The tables give min/median/max over repetitions of
the mean CPU time per frame, and of the ratio of the original pipeline's time to each variant's within one
repetition.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
from synthetic import BACKGROUND, SECOND_PLACES, Synthetic, face_measurer, frames, head_crops, sources
from variants import Variant, Verdict, all_variants

from proctor_core.imaging import decode_image
from proctor_vision.quality import capture_quality

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "faces"
CLASSES = ("none", "one", "several")
SECOND_HEIGHTS = (40, 60, 80)


def count_class(count: int) -> str:
    return CLASSES[min(count, 2)]


def pct(good: int, total: int) -> str:
    return f"{good}/{total} ({100 * good / total:.0f}%)" if total else "n/a"


def spread(values: list[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def run_all(
    variants: list[tuple[str, Variant]], texts: dict[str, str], timed: list[str], repeat: int, rng: random.Random
) -> tuple[dict[str, dict[str, Verdict]], dict[str, list[dict[str, float]]]]:
    """Verdicts per variant and frame (first repetition, every frame), and per variant one {frame: CPU ms} dict per
    repetition over the ``timed`` frames."""
    verdicts: dict[str, dict[str, Verdict]] = {name: {} for name, _ in variants}
    times: dict[str, list[dict[str, float]]] = {name: [] for name, _ in variants}
    for _, run in variants:  # warm-up: model loading and first-call costs stay out of the timings
        run(texts[timed[0]])
    for rep in range(repeat):
        for name, _ in variants:
            times[name].append({})
        keys = list(texts) if rep == 0 else list(timed)
        rng.shuffle(keys)
        for i, key in enumerate(keys):
            shift = (i + rep) % len(variants)
            for name, run in variants[shift:] + variants[:shift]:
                start = time.process_time()
                verdict = run(texts[key])
                times[name][rep][key] = (time.process_time() - start) * 1000
                if rep == 0:
                    verdicts[name][key] = verdict
    return verdicts, times


def report_cpu(names: list[str], times: dict[str, list[dict[str, float]]], groups: dict[str, list[str]]) -> None:
    baseline = names[0]
    print("\nCPU time per frame, ms (min / median / max over repetitions of the mean over the timed frames), and")
    print("the original pipeline's time divided by the variant's, per repetition")
    print("| variant | " + " | ".join(f"{g}: ms | {g}: x original" for g in groups) + " |")
    print("| --- |" + " ---: | ---: |" * len(groups))
    for name in names:
        cells = []
        for keys in groups.values():
            means = [statistics.fmean(rep[k] for k in keys) for rep in times[name]]
            base = [statistics.fmean(rep[k] for k in keys) for rep in times[baseline]]
            cells += [spread(means), spread([b / m for b, m in zip(base, means, strict=True)], 1)]
        print(f"| {name} | " + " | ".join(cells) + " |")


def report_labelled(names: list[str], verdicts: dict[str, dict[str, Verdict]], images: list[dict]) -> None:
    oriented = [im for im in images if im["face_count"] == 1 and im.get("orientation")]
    print("\nLabelled set: face class right, per class and overall; orientation of a lone labelled face;")
    print("extra = single-face frames read as several; can't tell = no face and a poor capture")
    print("| variant | none | one | several | overall | extra | orientation | can't tell |")
    print("| --- | --- | --- | --- | --- | ---: | --- | ---: |")
    for name in names:
        v = verdicts[name]
        cells = []
        for cls in CLASSES:
            members = [im for im in images if count_class(im["face_count"]) == cls]
            cells.append(pct(sum(count_class(v[im["file"]].faces) == cls for im in members), len(members)))
        good = sum(count_class(v[im["file"]].faces) == count_class(im["face_count"]) for im in images)
        extra = sum(v[im["file"]].faces > 1 for im in images if im["face_count"] == 1)
        has_pose = any(x.turned is not None for x in v.values())
        turned = sum(v[im["file"]].turned == (im["orientation"] == "turned") for im in oriented)
        print(f"| {name} | " + " | ".join(cells) + f" | {pct(good, len(images))} | {extra} | "
              f"{pct(turned, len(oriented)) if has_pose else 'n/a (no pose)'} | "
              f"{sum(v[im['file']].cant_tell for im in images)} |")

    tags = sorted({tag for im in images for tag in im.get("tags", [])}) + ["(untagged)"]
    print("\nLabelled set: face class right, per tag")
    print("| tag | images | " + " | ".join(names) + " |")
    print("| --- | ---: |" + " --- |" * len(names))
    for tag in tags:
        members = [im for im in images if tag in im.get("tags", []) or (tag == "(untagged)" and not im.get("tags"))]
        cells = [pct(sum(count_class(verdicts[n][im["file"]].faces) == count_class(im["face_count"])
                         for im in members), len(members)) for n in names]
        print(f"| {tag} | {len(members)} | " + " | ".join(cells) + " |")


def report_synthetic(
    names: list[str], verdicts: dict[str, dict[str, Verdict]], synth: dict[str, Synthetic], turned: set[str]
) -> None:
    def right(name: str, key: str) -> bool:
        return count_class(verdicts[name][key].faces) == count_class(synth[key].faces)

    rows: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key, s in synth.items():
        rows[s.kind, s.size].append(key)
    columns = [(kind, size) for kind, size in sorted(rows) if kind == "pair"]
    columns += [(kind, size) for kind, size in sorted(rows) if kind == "lone"]
    columns += [(kind, size) for kind, size in sorted(rows) if kind == "group"]
    label = {"pair": "second face {} px", "lone": "lone face {} px", "group": "group of {}"}
    groups = {s.size: s.place.split(", ")[1] for s in synth.values() if s.kind == "group"}
    print("\nSynthetic 640x480 frames: face class right (pairs: a near candidate, face 170 px, and a second face of")
    print("the given height in one of six places; lone: the candidate alone; groups: one face per grid cell)")
    heads = [label[k].format(s) + (f" ({groups[s]})" if k == "group" else "") for k, s in columns]
    print("| variant | " + " | ".join(heads) + " | lone: extra | lone: turned right |")
    print("| --- |" + " --- |" * (len(columns) + 2))
    lone = [k for k, s in synth.items() if s.kind == "lone"]
    for name in names:
        cells = [pct(sum(right(name, k) for k in rows[c]), len(rows[c])) for c in columns]
        extra = sum(verdicts[name][k].faces > 1 for k in lone)
        found = [k for k in lone if verdicts[name][k].faces == 1 and verdicts[name][k].turned is not None]
        pose = sum(verdicts[name][k].turned == (synth[k].source in turned) for k in found)
        turned_cell = pct(pose, len(found)) if found else "n/a"
        print(f"| {name} | " + " | ".join(cells) + f" | {extra} | {turned_cell} |")

    print("\nSecond face found, by place (candidate sources per cell)")
    print("| variant | height | " + " | ".join(SECOND_PLACES) + " |")
    print("| --- | ---: |" + " ---: |" * len(SECOND_PLACES))
    for name in names:
        for height in SECOND_HEIGHTS:
            cells = []
            for place in SECOND_PLACES:
                keys = [k for k, s in synth.items() if s.kind == "pair" and s.size == height and s.place == place]
                cells.append(f"{sum(right(name, k) for k in keys)}/{len(keys)}")
            print(f"| {name} | {height} | " + " | ".join(cells) + " |")


def report_quality(images: list[dict], blobs: dict[str, bytes]) -> None:
    """Capture-quality verdict on every labelled image (the finder asks only when it finds no face)."""
    flagged = {im["file"]: capture_quality(decode_image(blobs[im["file"]]).pixels).value for im in images}
    print("\nCapture quality on every labelled image (the finder consults it only when it finds no face)")
    for tag in ("dark", "blur", "lowres"):
        members = [im["file"] for im in images if tag in im.get("tags", [])]
        print(f"  tagged {tag}: " + ", ".join(f"{f}={flagged[f]}" for f in members))
    clean = [im["file"] for im in images if not {"dark", "blur", "lowres"} & set(im.get("tags", []))]
    false = [f"{f}={flagged[f]}" for f in clean if flagged[f] != "ok"]
    print(f"  other images flagged: {len(false)}/{len(clean)}" + (f" ({', '.join(false)})" if false else ""))


def report_errors(names: list[str], verdicts: dict[str, dict[str, Verdict]], images: list[dict]) -> None:
    print("\nLabelled frames read wrong")
    for name in names:
        v = verdicts[name]
        wrong = [f"{im['file']} ({im['face_count']} -> {v[im['file']].faces})" for im in images
                 if count_class(v[im["file"]].faces) != count_class(im["face_count"])]
        wrong += [f"{im['file']} (orientation {im['orientation']}, turned={v[im['file']].turned})" for im in images
                  if im["face_count"] == 1 and im.get("orientation") and v[im["file"]].turned is not None
                  and v[im["file"]].turned != (im["orientation"] == "turned")]
        print(f"  {name}: " + ("; ".join(wrong) if wrong else "none"))


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
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the whole interleaved run (>= 1)")
    parser.add_argument("--every", type=int, default=4, help="time every N-th synthetic frame (>= 1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the frame order")
    parser.add_argument("--verbose", action="store_true", help="print every verdict")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.every < 1:
        parser.error("--repeat and --every must be at least 1")

    if not (args.folder / "labels.json").is_file():
        parser.error(f"no labels.json in {args.folder} (pass the labelled folder)")
    images = json.loads((args.folder / "labels.json").read_text())["images"]
    blobs = {im["file"]: (args.folder / im["file"]).read_bytes() for im in images}
    cv2.setNumThreads(1)
    background = cv2.imdecode(np.frombuffer(blobs[BACKGROUND], np.uint8), cv2.IMREAD_COLOR)
    crops = head_crops(sources(images, blobs), face_measurer())
    synth = {f"synthetic {i}": s for i, s in enumerate(frames(crops, background, SECOND_HEIGHTS))}
    texts = {im["file"]: base64.b64encode(blobs[im["file"]]).decode("ascii") for im in images}
    texts.update({key: s.text for key, s in synth.items()})
    print(f"{len(images)} labelled images from {args.folder} and {len(synth)} synthetic frames from "
          f"{len(crops)} faces; CPU: {cpu_model()}; 1 thread; OpenCV {cv2.__version__}; {args.repeat} repetitions")

    variants = all_variants()
    names = [name for name, _ in variants]
    labelled = [im["file"] for im in images]
    sampled = list(synth)[:: args.every]
    verdicts, times = run_all(variants, texts, labelled + sampled, args.repeat, random.Random(args.seed))
    if args.verbose:
        for key in texts:
            print(f"  {key:34s} " + "; ".join(f"{n}: {verdicts[n][key].faces}" for n in names))
    pairs = [k for k in sampled if synth[k].kind == "pair"]
    report_cpu(names, times, {"labelled": labelled, f"synthetic pairs (every {args.every}th)": pairs})
    report_labelled(names, verdicts, images)
    report_synthetic(names, verdicts, synth, {im["file"] for im in images if im.get("orientation") == "turned"})
    report_errors(names, verdicts, images)
    report_quality(images, blobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
