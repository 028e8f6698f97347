"""Draw the kiosk's icon and write it as PNG (Linux), ICO (Windows) and ICNS (macOS).

    .venv/bin/python packaging/make_icons.py

The three files in packaging/icons/ are this script's output, committed so that a build needs no
drawing step; run it again after changing the drawing. Needs Pillow (installed with the dev extras).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent / "icons"
SIZE = 1024
BLUE = (29, 78, 137, 255)
WHITE = (255, 255, 255, 255)
GREEN = (46, 160, 67, 255)


def draw(size: int = SIZE) -> Image.Image:
    """A rounded blue square holding a white face outline and a green check mark."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 1024
    d.rounded_rectangle((40 * s, 40 * s, 984 * s, 984 * s), radius=200 * s, fill=BLUE)
    line = round(44 * s)
    d.ellipse((262 * s, 170 * s, 762 * s, 770 * s), outline=WHITE, width=line)  # the head
    d.ellipse((385 * s, 380 * s, 445 * s, 440 * s), fill=WHITE)  # eyes
    d.ellipse((579 * s, 380 * s, 639 * s, 440 * s), fill=WHITE)
    d.arc((392 * s, 470 * s, 632 * s, 650 * s), start=20, end=160, fill=WHITE, width=line)  # smile
    d.ellipse((610 * s, 610 * s, 930 * s, 930 * s), fill=GREEN)  # the check-in badge
    d.line([(680 * s, 770 * s), (750 * s, 840 * s), (870 * s, 700 * s)], fill=WHITE, width=round(48 * s),
           joint="curve")
    return img


def main() -> None:
    HERE.mkdir(exist_ok=True)
    big = draw()
    big.resize((512, 512), Image.LANCZOS).save(HERE / "kiosk.png", optimize=True)
    big.save(HERE / "kiosk.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(HERE / "kiosk.icns")  # Pillow writes every standard size from 16 to 1024
    for name in ("kiosk.png", "kiosk.ico", "kiosk.icns"):
        print(HERE / name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
