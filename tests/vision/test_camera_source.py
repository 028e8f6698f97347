import cv2
import numpy as np
import pytest

from kiosk.errors import CameraError
from kiosk.vision.camera_source import parse_source


def test_sources_are_recognised_by_their_form(tmp_path):
    assert parse_source("0").kind == "device" and parse_source("0").target == 0
    assert parse_source("rtsp://10.0.0.5/stream").kind == "stream"
    assert parse_source(str(tmp_path)).kind == "folder"
    assert parse_source(str(tmp_path / "clip.mp4")).kind == "file"
    with pytest.raises(CameraError):
        parse_source("  ")


def test_a_missing_file_is_a_clear_camera_error(tmp_path):
    with pytest.raises(CameraError, match="does not exist"):
        parse_source(str(tmp_path / "nope.mp4")).open()


def test_a_video_file_delivers_rgb_frames_and_ends_or_loops(face_data):
    clip = str(face_data / "video" / "elon_musk_smoke_480x272.gif")
    src = parse_source(clip).open()
    frames = 0
    while (f := src.read()) is not None:
        assert f.shape == (272, 480, 3) and f.dtype == np.uint8 and f.flags.c_contiguous
        frames += 1
    assert frames > 10 and src.finite
    looping = parse_source(clip, loop=True).open()
    assert all(looping.read() is not None for _ in range(frames + 5))


def test_an_image_folder_skips_broken_files(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((40, 60, 3), 50 * i, np.uint8))
    (tmp_path / "3.jpg").write_bytes(b"broken")
    src = parse_source(str(tmp_path)).open()
    got = []
    while (f := src.read()) is not None:
        got.append(int(f[0, 0, 0]))
    assert got == [0, 50, 100]


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(CameraError, match="no images"):
        parse_source(str(tmp_path)).open()
