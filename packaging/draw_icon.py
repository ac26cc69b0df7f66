"""Draw Slimbench's application icon (packaging/icons/slimbench.png, 512 px).

Run once when the design changes; the PNG is committed and build.sh scales it to the sizes
desktops ask for. The picture: a network's layers as bars, slimmed from wide to narrow, on a
teal tile, with a rising "faster" tick.

    /tmp/venv/bin/python packaging/draw_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512
#: Drawn at 4x and scaled down, so the edges are smooth at every size.
SCALE = 4
OUTPUT = Path(__file__).resolve().parent / "icons" / "slimbench.png"


def draw(size: int = SIZE) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    paint = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * big), round(y0 * big), round(x1 * big), round(y1 * big))

    # The tile: a vertical teal gradient inside a rounded square.
    tile = Image.new("RGBA", (big, big))
    top, bottom = (22, 160, 150), (12, 84, 110)
    for y in range(big):
        t = y / (big - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        ImageDraw.Draw(tile).line([(0, y), (big, y)], fill=(*colour, 255))
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(box(0.04, 0.04, 0.96, 0.96), radius=round(0.2 * big),
                                           fill=255)
    image.paste(tile, (0, 0), mask)

    # Layers, wide to slim: what the workbench does to a model.
    widths = (0.5, 0.4, 0.3, 0.2)
    for row, width in enumerate(widths):
        y0 = 0.2 + row * 0.15
        shade = (255, 255, 255, 255 - row * 30)
        paint.rounded_rectangle(box(0.17, y0, 0.17 + width, y0 + 0.1), radius=round(0.05 * big),
                                fill=shade)
    # The measured gain: a rising tick in amber.
    amber = (255, 196, 61, 255)
    points = [box(0.52, 0.74, 0.52, 0.74)[:2], box(0.64, 0.6, 0.64, 0.6)[:2],
              box(0.84, 0.3, 0.84, 0.3)[:2]]
    paint.line(points, fill=amber, width=round(0.055 * big), joint="curve")
    tip = [box(0.9, 0.21, 0, 0)[:2], box(0.73, 0.27, 0, 0)[:2], box(0.88, 0.4, 0, 0)[:2]]
    paint.polygon(tip, fill=amber)
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    draw().save(OUTPUT, optimize=True)
    print(OUTPUT)
