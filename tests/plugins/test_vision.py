"""The built-in BlazeFace finder: counts, pose, capture quality, coordinates, and its place in the hook order."""

from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import pluggy
import pytest

import proctor_vision
from proctor_core import PROJECT_NAME, hookimpl, hookspecs
from proctor_core.imaging import decode_image
from proctor_core.types import CaptureQuality, FaceBox, FaceFinder, FaceStatus, Frame, FrameAnalysis
from proctor_vision.blazeface import FULL_RANGE, SHORT_RANGE, BlazeFace, make_anchors, weighted_nms
from proctor_vision.finder import MAX_CHECKED, BlazeFaceFinder
from proctor_vision.pose import TURNED_DEG, estimate_pose

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name: str) -> Frame:
    return decode_image((DATA / name).read_bytes())


def jpeg(pixels: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return buffer.tobytes()


def pixels_of(name: str) -> np.ndarray:
    return cv2.imread(str(DATA / name), cv2.IMREAD_COLOR)


def darken(pixels: np.ndarray, gain: float) -> np.ndarray:
    """The test set's 'dark' degradation: 255 * gain * (v / 255) ** 2.2."""
    table = np.clip(255 * gain * (np.arange(256) / 255) ** 2.2, 0, 255).astype(np.uint8)
    return cv2.LUT(pixels, table)


@pytest.fixture(scope="module")
def finder() -> BlazeFaceFinder:
    return proctor_vision.default_finder()


# -- what the finder sees ---------------------------------------------------------------------------------------------


def test_is_a_face_finder(finder: BlazeFaceFinder) -> None:
    assert isinstance(finder, FaceFinder)
    assert finder.name == "blazeface-short-256"


def test_one_frontal_face(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(load("grace_hopper.jpg"))
    assert isinstance(analysis, FrameAnalysis)
    assert (analysis.width, analysis.height) == (410, 480)
    assert analysis.face_count == 1 and analysis.face_status is FaceStatus.OK
    face = analysis.faces[0]
    assert face.turned is False and abs(face.yaw_deg) < 15
    assert 0.5 < face.score <= 1
    # the face is in the upper middle of the portrait, in the coordinates of the image as sent
    assert 100 < face.x + face.width / 2 < 300 and 50 < face.y + face.height / 2 < 300
    assert 120 < face.height < 220


def test_no_face(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(load("none_rocket.jpg"))
    assert analysis.face_count == 0
    assert analysis.quality is CaptureQuality.OK
    assert analysis.face_status is FaceStatus.NO_FACE


def test_two_faces(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(load("astronaut_and_hopper.jpg"))
    assert analysis.face_count == 2 and analysis.face_status is FaceStatus.MULTIPLE_FACES
    left, right = sorted(analysis.faces, key=lambda face: face.x)
    assert left.x + left.width < 330 < right.x  # one face in each half


def test_turned_face(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(load("cameraman_turned.jpg"))
    assert analysis.face_count == 1
    face = analysis.faces[0]
    assert face.turned is True and face.yaw_deg > TURNED_DEG
    assert analysis.face_status is FaceStatus.TURNED_AWAY


def test_mirrored_turned_face_turns_the_other_way(finder: BlazeFaceFinder) -> None:
    mirrored = decode_image(jpeg(pixels_of("cameraman_turned.jpg")[:, ::-1]))
    face = finder.find(mirrored).faces[0]
    assert face.turned is True and face.yaw_deg < -TURNED_DEG


def test_boxes_are_in_the_coordinates_of_the_image_as_sent(finder: BlazeFaceFinder) -> None:
    small = finder.find(load("grace_hopper.jpg")).faces[0]
    big_frame = decode_image(jpeg(cv2.resize(pixels_of("grace_hopper.jpg"), None, fx=2, fy=2)))
    assert big_frame.scale < 1  # decoded reduced, reported full size
    big = finder.find(big_frame).faces[0]
    for a, b in ((small.x, big.x), (small.y, big.y), (small.width, big.width), (small.height, big.height)):
        assert b == pytest.approx(2 * a, abs=12)


def test_dark_face_is_still_found(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(decode_image(jpeg(darken(pixels_of("grace_hopper.jpg"), 0.45))))
    assert analysis.face_count == 1


def test_small_faces_are_not_counted() -> None:
    analysis = BlazeFaceFinder(min_face_px=400).find(load("grace_hopper.jpg"))
    assert analysis.face_count == 0


def scene(*faces: tuple[str, float, tuple[int, int]]) -> Frame:
    """A 640x480 webcam frame over an empty room, as the widget sends it, holding each labelled image ``name``
    scaled so its face is about ``height`` px high, centred at ``centre``."""
    room = cv2.resize(pixels_of("none_rocket.jpg"), (640, 480), interpolation=cv2.INTER_AREA)
    for name, height, (cx, cy) in faces:
        source = pixels_of(name)
        face = proctor_vision.default_finder().find(decode_image(jpeg(source))).faces[0]
        factor = height / face.height
        side = round(1.8 * height)
        warp = np.float32([[factor, 0, side / 2 - (face.x + face.width / 2) * factor],
                           [0, factor, side / 2 - (face.y + face.height / 2) * factor]])
        crop = cv2.warpAffine(source, warp, (side, side), borderMode=cv2.BORDER_REPLICATE)
        x0, y0 = cx - side // 2, cy - side // 2
        room[y0 : y0 + side, x0 : x0 + side] = crop
    return decode_image(jpeg(room))


@pytest.mark.parametrize("place", [(80, 90), (560, 240), (80, 390)])
def test_second_small_face_beside_a_near_candidate_is_found(finder: BlazeFaceFinder, place: tuple[int, int]) -> None:
    frame = scene(("grace_hopper.jpg", 170, (320, 250)), ("astronaut_and_hopper.jpg", 44, place))
    analysis = finder.find(frame)
    assert analysis.face_count == 2 and analysis.face_status is FaceStatus.MULTIPLE_FACES
    small = min(analysis.faces, key=lambda face: face.height)
    assert 30 < small.height < 65
    assert abs(small.x + small.width / 2 - place[0]) < 25 and abs(small.y + small.height / 2 - place[1]) < 25


def test_the_small_face_needs_the_second_look(finder: BlazeFaceFinder) -> None:
    """Without the check of weak small candidates the same frame reads as one face: the check is what finds it."""
    frame = scene(("grace_hopper.jpg", 170, (320, 250)), ("cameraman_turned.jpg", 44, (560, 240)))
    assert finder.find(frame).face_count == 2
    assert BlazeFaceFinder(max_checked=0).find(frame).face_count == 1


@pytest.mark.parametrize("height", [100, 170, 250])
def test_a_lone_candidate_is_one_face(finder: BlazeFaceFinder, height: int) -> None:
    analysis = finder.find(scene(("grace_hopper.jpg", height, (320, max(250, round(0.9 * height))))))
    assert analysis.face_count == 1 and analysis.face_status is FaceStatus.OK
    assert analysis.faces[0].height == pytest.approx(height, rel=0.25)


def test_a_small_lone_face_is_found(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(scene(("grace_hopper.jpg", 45, (300, 200))))
    assert analysis.face_count == 1


def test_a_near_turned_face_is_still_turned(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(scene(("cameraman_turned.jpg", 230, (320, 240))))
    assert analysis.face_count == 1 and analysis.face_status is FaceStatus.TURNED_AWAY


def test_no_face_is_invented_in_empty_rooms_and_textures(finder: BlazeFaceFinder) -> None:
    rng = np.random.default_rng(7)
    frames = [scene(), decode_image(jpeg(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)))]
    for name in ("none_rocket.jpg", "astronaut_and_hopper.jpg"):
        frames.append(decode_image(jpeg(cv2.resize(pixels_of(name), None, fx=0.5, fy=0.5))))
    counts = [finder.find(frame).face_count for frame in frames]
    assert counts[:2] == [0, 0]
    assert counts[2] == 0 and counts[3] == 2  # a half-size two-face frame: still two, no more


def counted_passes(finder: BlazeFaceFinder, frame: Frame) -> tuple[FrameAnalysis, list[tuple[int, int]]]:
    """The analysis, and the input shape of every model run it took."""
    shapes: list[tuple[int, int]] = []
    detect = finder._model.detect

    def spy(image: np.ndarray, min_score: float | None = None) -> list:
        shapes.append(image.shape[:2])
        return detect(image, min_score)

    finder._model.detect = spy  # type: ignore[method-assign]
    try:
        return finder.find(frame), shapes
    finally:
        del finder._model.detect


def test_a_usual_frame_takes_one_pass() -> None:
    analysis, shapes = counted_passes(BlazeFaceFinder(), scene(("grace_hopper.jpg", 170, (320, 250))))
    assert analysis.face_count == 1
    assert shapes == [(192, 256)]


@pytest.mark.parametrize("size", [(640, 480), (1280, 720), (480, 640), (410, 480)])
def test_every_frame_size_is_read_at_one_input_shape(size: tuple[int, int]) -> None:
    """OpenCV plans a network again for every new input shape, so frames of any size share one."""
    frame = decode_image(jpeg(cv2.resize(pixels_of("grace_hopper.jpg"), size, interpolation=cv2.INTER_AREA)))
    analysis, shapes = counted_passes(BlazeFaceFinder(), frame)
    assert analysis.face_count == 1
    assert shapes[0] == (192, 256) and set(shapes[1:]) <= {(128, 128), (96, 128)}


def test_second_looks_are_bounded() -> None:
    """Sixteen faces of 40 px, most of them weak candidates: at most MAX_CHECKED crops are looked at."""
    places = [(x, y) for x in (60, 180, 460, 580) for y in (60, 200, 340, 440)]
    analysis, shapes = counted_passes(BlazeFaceFinder(), scene(*[("cameraman_turned.jpg", 40, p) for p in places]))
    assert analysis.face_status is FaceStatus.MULTIPLE_FACES
    assert shapes == [(192, 256)] + [(128, 128)] * MAX_CHECKED


@pytest.mark.parametrize("shape", [(16, 16), (16, 4096), (4096, 16), (481, 641), (720, 1280)])
def test_any_frame_shape_is_read(finder: BlazeFaceFinder, shape: tuple[int, int]) -> None:
    pixels = np.full((*shape, 3), 128, np.uint8)
    analysis = finder.find(Frame(pixels=pixels, source_width=shape[1], source_height=shape[0]))
    assert analysis.face_count == 0 and (analysis.width, analysis.height) == (shape[1], shape[0])


def test_the_model_loads_from_the_installed_package_as_recorded_in_its_provenance() -> None:
    models = resources.files("proctor_vision").joinpath("models")
    provenance = models.joinpath("PROVENANCE.md").read_text()
    for spec in (SHORT_RANGE, FULL_RANGE):
        digest = hashlib.sha256(models.joinpath(spec.file).read_bytes()).hexdigest()
        assert f"`{spec.file}`" in provenance and digest in provenance, spec.file
    assert isinstance(proctor_vision.default_finder()._model, BlazeFace)
    assert proctor_vision.default_finder()._model.spec is SHORT_RANGE


def test_one_model_serves_every_input_shape_in_any_order() -> None:
    model = BlazeFace(SHORT_RANGE)
    grace = cv2.resize(load("grace_hopper.jpg").pixels[:224, :192], (128, 144))
    first = model.detect(grace)
    assert len(first) == 1
    for height, width in [(16 * (i + 1), 128) for i in range(6)] + [(192, 256), (96, 128)]:
        assert model.detect(np.zeros((height, width, 3), np.uint8)) == []
    again = model.detect(grace)  # the same face, to the same coordinates, after the shapes moved around
    assert len(again) == 1 and again[0].score == pytest.approx(first[0].score)
    assert (again[0].xmin, again[0].ymax) == pytest.approx((first[0].xmin, first[0].ymax))
    anchors = make_anchors(SHORT_RANGE, 144, 128)
    assert anchors is make_anchors(SHORT_RANGE, 144, 128) and not anchors.flags.writeable  # cached, shared


def test_a_model_runs_from_several_threads_at_once() -> None:
    model = BlazeFace(SHORT_RANGE)
    images = [cv2.resize(load(name).pixels, (256, 192)) for name in ("grace_hopper.jpg", "astronaut_and_hopper.jpg")]
    expected = [[round(d.xmin, 3) for d in model.detect(image)] for image in images]
    assert [len(found) for found in expected] == [1, 2]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: [round(d.xmin, 3) for d in model.detect(images[i % 2])], range(40)))
    assert got == [expected[i % 2] for i in range(40)]


def test_an_input_the_network_cannot_take_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot take"):
        BlazeFace(FULL_RANGE).detect(np.zeros((144, 192, 3), np.uint8))
    with pytest.raises(ValueError, match="cannot take"):
        proctor_vision.default_finder()._model.detect(np.zeros((100, 128, 3), np.uint8))


# -- capture quality --------------------------------------------------------------------------------------------------


def test_dark_empty_frame_is_cant_tell(finder: BlazeFaceFinder) -> None:
    analysis = finder.find(decode_image(jpeg(darken(pixels_of("none_rocket.jpg"), 0.3))))
    assert analysis.face_count == 0
    assert analysis.quality is CaptureQuality.TOO_DARK and analysis.face_status is FaceStatus.UNCLEAR


def test_blurred_empty_frame_is_cant_tell(finder: BlazeFaceFinder) -> None:
    blurred = cv2.GaussianBlur(pixels_of("none_rocket.jpg"), (0, 0), 6)
    analysis = finder.find(decode_image(jpeg(blurred)))
    assert analysis.face_count == 0
    assert analysis.quality is CaptureQuality.BLURRED and analysis.face_status is FaceStatus.UNCLEAR


def test_evenly_lit_blank_wall_is_no_face(finder: BlazeFaceFinder) -> None:
    ramp = np.linspace(120, 170, 640, dtype=np.float32)[None, :, None]
    wall = np.broadcast_to(ramp, (480, 640, 3)).astype(np.uint8)
    analysis = finder.find(decode_image(jpeg(wall)))
    assert analysis.quality is CaptureQuality.OK and analysis.face_status is FaceStatus.NO_FACE


# -- pose and decoding helpers ----------------------------------------------------------------------------------------


def keypoints(nose_x: float = 0.0, roll_deg: float = 0.0) -> np.ndarray:
    """Right eye, left eye, nose, mouth, right ear, left ear of a face, eye distance 1, rolled by ``roll_deg``."""
    points = np.array([[-0.5, 0], [0.5, 0], [nose_x, 0.5], [0, 0.9], [-1.0, 0.2], [1.0, 0.2]])
    angle = math.radians(roll_deg)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return points @ rotation.T + 5.0


def test_pose_frontal_turned_and_sign() -> None:
    assert estimate_pose(keypoints(0.0)).yaw_deg == pytest.approx(0.0, abs=1e-6)
    assert estimate_pose(keypoints(0.0)).turned is False
    left = estimate_pose(keypoints(0.6))
    assert left.yaw_deg == pytest.approx(45.0) and left.turned is True
    assert estimate_pose(keypoints(-0.6)).yaw_deg == pytest.approx(-45.0)


def test_pose_ignores_head_roll() -> None:
    for roll in (-40, 25, 60):
        assert estimate_pose(keypoints(0.3, roll)).yaw_deg == pytest.approx(estimate_pose(keypoints(0.3)).yaw_deg)


def test_pose_unknown_when_eyes_coincide() -> None:
    points = keypoints()
    points[1] = points[0]
    pose = estimate_pose(points)
    assert pose.yaw_deg is None and pose.turned is None


def test_anchor_counts_match_the_models() -> None:
    assert make_anchors(SHORT_RANGE).shape == (896, 2)
    assert make_anchors(FULL_RANGE).shape == (2304, 2)
    assert make_anchors(SHORT_RANGE)[0] == pytest.approx([4.0, 4.0])  # first 8 px cell's centre, in input pixels
    wide = make_anchors(SHORT_RANGE, 192, 256)
    assert wide.shape == (32 * 24 * 2 + 16 * 12 * 6, 2)
    assert wide.max(axis=0) == pytest.approx([256 - 4, 192 - 4])  # centre of the last 8 px cell


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]], dtype=np.float32)
    scores = np.array([0.9, 0.6, 0.7], dtype=np.float32)
    points = np.zeros((3, 6, 2), dtype=np.float32)
    merged = weighted_nms(boxes, scores, points)
    assert len(merged) == 2
    first = merged[0]
    assert first.score == pytest.approx(0.9)
    assert first.xmin == pytest.approx((0.1 * 0.9 + 0.12 * 0.6) / 1.5)


# -- the hook ---------------------------------------------------------------------------------------------------------


def fresh_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def test_hook_returns_the_cached_finder() -> None:
    manager = fresh_manager()
    manager.register(proctor_vision)
    finder = manager.hook.proctor_face_finder()
    assert finder is proctor_vision.default_finder()
    assert manager.hook.proctor_face_finder() is finder


class OtherFinder:
    name = "other"

    def find(self, frame: Frame) -> FrameAnalysis:
        return FrameAnalysis(faces=(FaceBox(0, 0, 10, 10, 1.0),), width=frame.source_width, height=frame.source_height)


class OtherPlugin:
    @hookimpl
    def proctor_face_finder(self) -> FaceFinder:
        return OtherFinder()


def test_hook_is_trylast_so_an_installed_finder_wins() -> None:
    manager = fresh_manager()
    manager.register(OtherPlugin())  # registered first: without trylast the built-in would be called first
    manager.register(proctor_vision)
    (impl,) = [i for i in manager.hook.proctor_face_finder.get_hookimpls() if i.plugin is proctor_vision]
    assert impl.trylast
    assert isinstance(manager.hook.proctor_face_finder(), OtherFinder)
