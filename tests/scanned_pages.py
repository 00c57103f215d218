"""Paper made by the test: a text laid out on A4 pages with a font that has Vietnamese letters (DejaVu,
Debian package fonts-dejavu-core), as a scanner gives it (a slight tilt, a little blur and noise) or as
a phone photo gives it (more tilt, a grey uneven page, JPEG at a lower resolution). Pillow only.

Used by tests/test_import_scans.py and benchmarks/ocr.py."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi
MARGIN = 220
FONT_PX = 40  # about 10 pt at 300 dpi
LINE_PX = 58


def font_missing_reason() -> str | None:
    """Why pages cannot be drawn here, or None."""
    return None if FONT.exists() else f"no font with Vietnamese letters at {FONT} (Debian package fonts-dejavu-core)"


def text_pages(text: str, *, max_pages: int = 10) -> list[Image.Image]:
    """`text` laid out on white A4 pages (greyscale, 300 dpi): one paragraph per line of `text`, words
    wrapped at the margin, a blank line between paragraphs."""
    return [draw_page(lines) for lines in page_lines(text)[:max_pages]]


def draw_page(lines: list[str]) -> Image.Image:
    """One white A4 page with `lines` from the top margin down."""
    font = ImageFont.truetype(str(FONT), FONT_PX)
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + row * LINE_PX), line, font=font, fill=0)
    return page


def page_lines(text: str) -> list[list[str]]:
    """The lines of each page when `text` is laid out as text_pages does it."""
    font = ImageFont.truetype(str(FONT), FONT_PX)
    width = A4[0] - 2 * MARGIN
    lines: list[str] = []
    for paragraph in text.splitlines():
        words = paragraph.split()
        if not words:
            continue
        line = ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines += [line, ""]
    per_page = (A4[1] - 2 * MARGIN) // LINE_PX
    return [lines[start:start + per_page] for start in range(0, len(lines), per_page)]


def scanned(page: Image.Image, *, angle: float = 0.6, seed: int = 1) -> Image.Image:
    """A flatbed scan of `page`: tilted by `angle` degrees, slightly blurred, a little salt-and-pepper."""
    tilted = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    blurred = tilted.filter(ImageFilter.GaussianBlur(0.8))
    return _speckled(blurred, share=0.0005, seed=seed)


def phone_photo(page: Image.Image, *, angle: float = 2.0, seed: int = 2, scale: float = 2 / 3,
                blur: float = 1.0) -> Image.Image:
    """A phone photo of `page`: tilted, a grey page lit unevenly, softer, at `scale` of 300 dpi, RGB."""
    tilted = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=True)
    small = tilted.resize((round(tilted.width * scale), round(tilted.height * scale)), Image.Resampling.LANCZOS)
    light = Image.linear_gradient("L").resize(small.size).point(lambda v: 205 + v // 8)
    grey = Image.composite(small, light, small.point(lambda v: 255 - v))
    soft = grey.filter(ImageFilter.GaussianBlur(blur))
    return _speckled(soft, share=0.002, seed=seed).convert("RGB")


def _speckled(image: Image.Image, *, share: float, seed: int) -> Image.Image:
    noisy = image.copy()
    pixels = noisy.load()
    assert pixels is not None
    chance = random.Random(seed)
    for _ in range(int(image.width * image.height * share)):
        pixels[chance.randrange(image.width), chance.randrange(image.height)] = chance.choice((0, 255))
    return noisy


def as_scanned_pdf(pages: list[Image.Image]) -> bytes:
    """The pages as one PDF of images, without a text layer, as a scanner writes it."""
    buffer = io.BytesIO()
    first, *rest = [page.convert("L") for page in pages]
    first.save(buffer, "PDF", resolution=DPI, save_all=True, append_images=rest)
    return buffer.getvalue()


def as_jpeg(image: Image.Image, *, quality: int = 80) -> bytes:
    """`image` as a phone would send it."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def as_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
