"""Reading images into the one layout dlib handles correctly: contiguous uint8 RGB, shape (h, w, 3)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import ImageError

MAX_PIXELS = 40_000_000  # a 40-megapixel image is the largest we decode (about 120 MB of RGB)
MAX_FILE_BYTES = 100 * 1024 * 1024


def to_rgb(image: np.ndarray, *, bgr: bool = False) -> np.ndarray:
    """Return ``image`` as contiguous uint8 RGB (h, w, 3).

    Accepts grayscale (h, w) or (h, w, 1), RGB/BGR (h, w, 3) and RGBA/BGRA (h, w, 4) arrays of uint8 or
    uint16. Raises ImageError for anything else.
    """
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise ImageError("The image is empty.")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ImageError(f"Unsupported pixel type {image.dtype}; expected 8-bit images.")
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        out = cv2.cvtColor(image.reshape(image.shape[0], image.shape[1]), cv2.COLOR_GRAY2RGB)
    elif image.ndim == 3 and image.shape[2] == 3:
        out = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if bgr else image
    elif image.ndim == 3 and image.shape[2] == 4:
        out = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB if bgr else cv2.COLOR_RGBA2RGB)
    else:
        raise ImageError(f"Unsupported image shape {image.shape}.")
    return np.ascontiguousarray(out, dtype=np.uint8)


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read the image file at ``path`` as contiguous uint8 RGB.

    Raises ImageError with a sentence saying what is wrong: missing, a folder, empty, too large,
    or not an image OpenCV can decode.
    """
    p = Path(path)
    if not p.exists():
        raise ImageError(f"{p}: no such file.")
    if p.is_dir():
        raise ImageError(f"{p}: is a folder, not an image.")
    size = p.stat().st_size
    if size == 0:
        raise ImageError(f"{p}: the file is empty.")
    if size > MAX_FILE_BYTES:
        raise ImageError(f"{p}: the file is {size // (1024 * 1024)} MB; images over 100 MB are refused.")
    data = np.fromfile(p, dtype=np.uint8)
    return decode_image(data, name=str(p))


def encode_jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    """``rgb`` (uint8 RGB) as a JPEG file's bytes. Raises ImageError when it cannot be encoded."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(to_rgb(rgb), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageError("The picture could not be encoded as JPEG.")
    return data.tobytes()


def decode_image(data: bytes | np.ndarray, *, name: str = "image") -> np.ndarray:
    """Decode encoded image bytes (JPEG, PNG, BMP, WebP, TIFF) to contiguous uint8 RGB."""
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) else data
    if buf.size == 0:
        raise ImageError(f"{name}: the file is empty.")
    _check_header_size(buf, name)
    image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageError(f"{name}: not an image, or the file is corrupt or truncated.")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise ImageError(f"{name}: {image.shape[1]}x{image.shape[0]} pixels is more than the 40-megapixel limit.")
    return to_rgb(image, bgr=True)


def _check_header_size(buf: np.ndarray, name: str) -> None:
    """Refuse a PNG or JPEG that declares more than MAX_PIXELS before decoding it (decompression bombs)."""
    head = buf[:64].tobytes()
    width = height = 0
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        width = int.from_bytes(head[16:20], "big")
        height = int.from_bytes(head[20:24], "big")
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name}: {width}x{height} pixels is more than the 40-megapixel limit.")
