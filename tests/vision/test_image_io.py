import cv2
import numpy as np
import pytest

from kiosk.errors import ImageError
from kiosk.vision.image_io import decode_image, load_image, to_rgb


def test_missing_file_folder_and_empty_file_get_clear_errors(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(tmp_path / "empty.jpg")


def test_non_image_and_truncated_files_are_refused(tmp_path, astronaut):
    (tmp_path / "notes.jpg").write_text("this is not a picture")
    with pytest.raises(ImageError, match="not an image"):
        load_image(tmp_path / "notes.jpg")
    ok, enc = cv2.imencode(".jpg", astronaut)
    (tmp_path / "cut.jpg").write_bytes(enc.tobytes()[:200])
    with pytest.raises(ImageError):
        load_image(tmp_path / "cut.jpg")


def test_png_declaring_a_huge_size_is_refused_before_decoding():
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (100000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    with pytest.raises(ImageError, match="40-megapixel"):
        decode_image(header + b"\x00" * 64)


def test_grayscale_rgba_and_16_bit_images_become_contiguous_rgb(tmp_path, astronaut):
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    rgba = np.dstack([astronaut[:, :, ::-1], np.full(astronaut.shape[:2], 255, np.uint8)])
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    cv2.imwrite(str(tmp_path / "w.png"), astronaut[:, :, ::-1].astype(np.uint16) * 257)
    for name in ("g.png", "a.png", "w.png"):
        img = load_image(tmp_path / name)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.flags.c_contiguous
    assert np.abs(load_image(tmp_path / "a.png").astype(int) - astronaut.astype(int)).max() <= 1


def test_non_contiguous_input_is_made_contiguous():
    arr = np.zeros((10, 20, 3), np.uint8)[:, ::2]
    assert not arr.flags.c_contiguous
    assert to_rgb(arr).flags.c_contiguous


def test_unsupported_arrays_are_refused():
    with pytest.raises(ImageError):
        to_rgb(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ImageError):
        to_rgb(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ImageError):
        to_rgb(np.zeros((0, 0, 3), np.uint8))
