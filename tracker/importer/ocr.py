"""Text from pictures of paper: scanned PDF pages and photos, read by Tesseract's Vietnamese model through
pytesseract (which runs the `tesseract` program without a shell, with a time limit, and kills it past it).

Each page is made greyscale, brought to about 300 dpi, turned upright (Tesseract's orientation detection)
and straightened (deskew), then read word by word with each word's confidence. The words come back as
lines and paragraphs, NFC; the words read with a confidence under LOW_CONFIDENCE are listed so that the
preview can flag the tasks whose owner or deadline rests on them.

Pillow, pypdfium2 and pytesseract are imported here only; this module is imported only when a picture or
a scan is read."""

from __future__ import annotations

import io
import os
import shutil
import statistics
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytesseract
from PIL import Image, ImageFilter, ImageOps

LANGUAGE = "vie"
DPI = 300
MAX_PAGES = 20  # a longer scan is read up to here, and the preview says so
# A picture larger than this is refused before it is decoded (a 50 MP phone photo passes; 20,000 ×
# 20,000 does not). One decoded page is then brought under WORK_PIXELS: about A3 at 300 dpi.
MAX_IMAGE_PIXELS = 64_000_000
WORK_PIXELS = 18_000_000
MIN_LONG_SIDE = 3300  # an A4 page at about 280 dpi
LOW_CONFIDENCE = 60.0  # Tesseract's word confidence (0-100) under which a word is doubtful
# A page from which fewer good words than this are read is not a readable document.
MIN_GOOD_WORDS = 12
MIN_MEAN_CONFIDENCE = 45.0  # below it, what was read is mostly noise: not a page of text
# A clear scan or photo has under 3% of doubtful words; a blurred, low-resolution photo some 20%, and the
# tasks found in it are more wrong than right: better to ask for a new photo.
MAX_DOUBTFUL_SHARE = 0.12
PAGE_SECONDS = 120  # for one call of tesseract on one page; the reading as a whole has its own deadline

Progress = Callable[[int, int], None]


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese model is not installed; `package` is the Debian package to install."""

    def __init__(self, package: str) -> None:
        super().__init__(package)
        self.package = package


class PictureTooLarge(Exception):
    def __init__(self, width: int, height: int) -> None:
        super().__init__(width, height)
        self.width, self.height = width, height


class Unreadable(Exception):
    """Too few words could be read: a blurred or tilted photo, or not a document at all."""


@dataclass
class OcrText:
    """What was read: the text (NFC, paragraphs apart by a blank line), the pages read, the mean word
    confidence in percent, and the doubtful words in reading order (each once)."""

    text: str
    pages: int
    mean_confidence: float
    doubtful: list[str] = field(default_factory=list)


def check_tesseract() -> None:
    """Raises OcrUnavailable naming the Debian package that is missing."""
    if shutil.which("tesseract") is None:
        raise OcrUnavailable("tesseract-ocr-vie")
    try:
        languages = pytesseract.get_languages()
    except Exception as exc:  # a broken installation says anything
        raise OcrUnavailable("tesseract-ocr-vie") from exc
    if LANGUAGE not in languages:
        raise OcrUnavailable("tesseract-ocr-vie")


def picture_pages(data: bytes) -> tuple[int, Iterator[Image.Image]]:
    """The pages of a picture file (a TIFF may hold several): their count, and the pages decoded one at a
    time. The size is checked from the header, before any pixel is decoded: PictureTooLarge."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # Pillow's own guard raises without the size: checked here instead
    try:
        image = Image.open(io.BytesIO(data))
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise PictureTooLarge(image.width, image.height)
    count = getattr(image, "n_frames", 1)

    def frames() -> Iterator[Image.Image]:
        for index in range(min(count, MAX_PAGES)):
            image.seek(index)
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise PictureTooLarge(image.width, image.height)
            if image.format == "JPEG":
                image.draft("L", _within(image.size, WORK_PIXELS))  # decode a big JPEG at a fraction of its size
            yield (ImageOps.exif_transpose(image) or image).convert("L")  # a phone's "rotate me" tag

    return count, frames()


def pdf_pages(data: bytes, indexes: list[int]) -> Iterator[Image.Image]:
    """The pages `indexes` of a PDF drawn at DPI (less for a page so large that it would pass WORK_PIXELS),
    one at a time."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        for index in indexes:
            page = pdf[index]
            width, height = page.get_size()  # points, 72 to the inch
            scale = DPI / 72
            if width * height * scale * scale > WORK_PIXELS:
                scale = (WORK_PIXELS / (width * height)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            yield bitmap.to_pil().convert("L")
            page.close()
    finally:
        pdf.close()


def read_pages(pages: Iterator[Image.Image], total: int, progress: Progress | None = None) -> OcrText:
    """The text of `pages` (`total` of them), read one after the other; `progress(done, total)` after each.
    Raises Unreadable when the pages together give too few good words, and pytesseract's errors (a
    timeout is a RuntimeError) as they come."""
    # Tesseract's OpenMP threads spin while they wait: on a small shared server one thread a page reads
    # about three times faster than two (measured on 2 cores under load). An explicit setting is kept.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    paragraphs: list[str] = []
    confidences: list[float] = []
    doubtful: dict[str, None] = {}
    good = 0
    done = 0
    for image in pages:
        for paragraph in _page_paragraphs(upright(image)):
            words = [word for line in paragraph for word in line]
            confidences += [confidence for _, confidence in words]
            good += sum(1 for text, confidence in words if confidence >= LOW_CONFIDENCE and _wordlike(text))
            doubtful.update((text, None) for text, confidence in words if confidence < LOW_CONFIDENCE)
            paragraphs.append("\n".join(" ".join(text for text, _ in line) for line in paragraph))
        done += 1
        if progress is not None:
            progress(done, total)
    low = sum(1 for confidence in confidences if confidence < LOW_CONFIDENCE)
    if (good < MIN_GOOD_WORDS or statistics.fmean(confidences) < MIN_MEAN_CONFIDENCE
            or low > MAX_DOUBTFUL_SHARE * len(confidences)):
        raise Unreadable()
    text = unicodedata.normalize("NFC", "\n\n".join(p for p in paragraphs if p.strip()))
    return OcrText(text=text, pages=done, mean_confidence=statistics.fmean(confidences), doubtful=list(doubtful))


def upright(image: Image.Image) -> Image.Image:
    """`image` at most WORK_PIXELS, turned the right way up, straightened, evened out: specks removed,
    the uneven light of a photo stretched to white paper and black ink, a small photo enlarged."""
    image = image.convert("L")
    if image.width * image.height > WORK_PIXELS:
        image = image.resize(_within(image.size, WORK_PIXELS), Image.Resampling.LANCZOS)
    elif max(image.size) < MIN_LONG_SIDE:  # Tesseract reads letters best some 25-30 pixels high
        scale = MIN_LONG_SIDE / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    image = ImageOps.autocontrast(image.filter(ImageFilter.MedianFilter(3)), cutoff=(0, 1))
    turn = _orientation(image)
    if turn:
        image = image.rotate(-turn, expand=True, fillcolor=255)
    angle = skew_angle(image)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


def _orientation(image: Image.Image) -> int:
    """How many degrees clockwise the page must turn to be upright (0, 90, 180, 270), by Tesseract's
    orientation detection; 0 when it is unsure or finds too little text to say."""
    try:
        found = pytesseract.image_to_osd(image, config="--psm 0", output_type=pytesseract.Output.DICT,
                                         timeout=PAGE_SECONDS)
    except pytesseract.TesseractError:  # "Too few characters", on a blank or nearly blank page
        return 0
    if float(found.get("orientation_conf", 0)) < 1.5:
        return 0
    return int(found.get("rotate", 0)) % 360


# Deskew by the projection profile: at the right angle the dark rows (text lines) and light rows (the
# gaps) are most distinct, so the spread of the row sums is largest. Tesseract copes with a slight
# tilt but reads a tilted photo worse; OpenCV or scikit-image would do this for a heavy dependency.
_SKEW_WIDTH = 900
_SKEW_STEPS = [step / 4 for step in range(-28, 29)]  # -7° to 7° by 0.25°


def skew_angle(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that straightens the text lines of `image`; 0.0 when none
    of the tried angles beats the image as it is."""
    scale = _SKEW_WIDTH / image.width
    small = image.convert("L").resize((_SKEW_WIDTH, max(1, round(image.height * scale))), Image.Resampling.BILINEAR)
    ink = ImageOps.invert(small.point(lambda v: 0 if v < 160 else 255))  # text white on black
    best, best_spread = 0.0, _row_spread(ink)
    for angle in _SKEW_STEPS:
        spread = _row_spread(ink.rotate(angle, resample=Image.Resampling.NEAREST))
        if spread > best_spread * 1.02:
            best, best_spread = angle, spread
    return best


def _row_spread(ink: Image.Image) -> float:
    rows = list(ink.resize((1, ink.height), Image.Resampling.BOX).tobytes())
    return statistics.pvariance(rows) if len(rows) > 1 else 0.0


def _page_paragraphs(image: Image.Image) -> list[list[list[tuple[str, float]]]]:
    """The words of a page with their confidences, as paragraphs of lines of (word, confidence)."""
    data = pytesseract.image_to_data(image, lang=LANGUAGE, config="--psm 3", timeout=PAGE_SECONDS,
                                     output_type=pytesseract.Output.DICT)
    paragraphs: dict[tuple[int, int], dict[int, list[tuple[str, float]]]] = {}
    for i, word in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if confidence < 0 or not word.strip() or (confidence < LOW_CONFIDENCE and _speck(word.strip())):
            continue
        paragraph = paragraphs.setdefault((data["block_num"][i], data["par_num"][i]), {})
        paragraph.setdefault(data["line_num"][i], []).append((word.strip(), confidence))
    return [list(lines.values()) for lines in paragraphs.values()]


def _speck(text: str) -> bool:
    """A doubtful mark with no letter or digit, and not a list dash: dust or a speck read as ' . _ ˆ."""
    return not any(ch.isalnum() for ch in text) and text not in ("-", "+", "•", "–")


def _wordlike(text: str) -> bool:
    letters = sum(ch.isalnum() for ch in text)
    return letters >= 2 and letters >= 0.6 * len(text)


def _within(size: tuple[int, int], pixels: int) -> tuple[int, int]:
    width, height = size
    if width * height <= pixels:
        return width, height
    scale = (pixels / (width * height)) ** 0.5
    return max(1, int(width * scale)), max(1, int(height * scale))
