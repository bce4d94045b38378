"""Fake camera and microphone input for Chromium: Y4M videos built from face photos, WAV speech and silence.

Chromium plays ``--use-file-for-fake-video-capture`` (Y4M, looped) and ``--use-file-for-fake-audio-capture``
(WAV; looped unless the path ends in ``%noloop``, after which it is digital silence) as its only devices.
"""

from __future__ import annotations

import wave
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
SAMPLE_RATE = 48_000
ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIRS = (ROOT / "tests" / "data", ROOT.parent / "shared" / "testdata" / "faces")

ONE_FACE = ("grace_hopper.jpg", "astronaut.jpg", "obama_portrait.jpg")
TWO_FACES = ("astronaut_and_hopper.jpg", "astronaut_twins.jpg", "obama_biden_side_by_side.jpg")


def find_image(names: Sequence[str]) -> Path | None:
    """The first of ``names`` found in the test image folders."""
    for name in names:
        for folder in IMAGE_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


def fit(image: np.ndarray) -> np.ndarray:
    """Scale ``image`` to fit 640x480, centred on a grey background."""
    scale = min(WIDTH / image.shape[1], HEIGHT / image.shape[0])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    canvas = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    top, left = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = resized
    return canvas


def photo(names: Sequence[str]) -> np.ndarray:
    path = find_image(names)
    if path is None:
        raise FileNotFoundError(f"none of {', '.join(names)} in {', '.join(map(str, IMAGE_DIRS))}")
    return fit(cv2.imread(str(path), cv2.IMREAD_COLOR))


def empty_room() -> np.ndarray:
    """A frame with no face: a lit wall with some texture."""
    rng = np.random.default_rng(7)
    gradient = np.linspace(90, 170, WIDTH, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 6, (HEIGHT, WIDTH, 1)).astype(np.float32)
    wall = np.clip(gradient + noise, 0, 255).astype(np.uint8)
    return np.repeat(wall, 3, axis=2)


def write_y4m(path: Path, frames: Iterable[np.ndarray]) -> Path:
    """A 1 frame/s Y4M (4:2:0) of 640x480 BGR frames."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F1:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def speech_like(seconds: float, seed: int = 1) -> np.ndarray:
    """Syllable-like bursts (voiced harmonics plus breath noise, 4-6 per second) with short pauses."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    signal = np.zeros_like(t)
    at = 0.0
    while at < seconds:
        length = rng.uniform(0.12, 0.3)
        pitch = rng.uniform(110, 220)
        span = (t >= at) & (t < at + length)
        local = t[span] - at
        envelope = np.sin(np.pi * local / length) ** 2
        voiced = sum(np.sin(2 * np.pi * pitch * k * local) / k for k in range(1, 8))
        signal[span] = envelope * (0.25 * voiced + 0.08 * rng.normal(0, 1, local.size))
        at += length + rng.uniform(0.03, 0.15)
    return np.clip(signal, -1, 1)


def write_wav(path: Path, *parts: np.ndarray) -> Path:
    """A 48 kHz mono 16-bit WAV of the concatenated parts."""
    samples = (np.concatenate(parts) * 32767 * 0.8).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return path


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE))


def build(folder: Path) -> dict[str, Path]:
    """Every video and sound the browser suite uses, written into ``folder``."""
    face, pair, room = photo(ONE_FACE), photo(TWO_FACES), empty_room()
    return {
        "face": write_y4m(folder / "face.y4m", [face] * 2),
        # 3 s in view, then 12 s away (the video loops: 15 s per round).
        "face_then_gone": write_y4m(folder / "face_then_gone.y4m", [face] * 3 + [room] * 12),
        "two_faces": write_y4m(folder / "two_faces.y4m", [pair] * 2),
        "room": write_y4m(folder / "room.y4m", [room] * 2),
        "speech": write_wav(folder / "speech.wav", speech_like(4.0)),
        # Played once: 3 s of speech, then silence for as long as the device stays open.
        "speech_then_silence": write_wav(folder / "speech_then_silence.wav", speech_like(3.0, seed=2), silence(0.5)),
    }
