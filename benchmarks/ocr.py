"""Reading scanned paper: conclusion notice 004 (../shared/seeds, or TRACKER_SHARED_DIR) laid out on A4
pages with DejaVu Sans (tests/scanned_pages.py), then read back as the import reads an upload, in the
bounded child process: once as a flatbed scan (a PDF of page images, slightly tilted, blurred and
speckled), as phone photos (one JPEG per page, more tilt, grey uneven light, about 200 dpi) and as poor
phone photos (3.5° of tilt, about 165 dpi, blurred, JPEG quality 50).

Prints, for each: the character error rate against the text drawn (edit distance over length, white
space collapsed, page by page), task recall, owner and due accuracy against gold/004 (scored by
tests/corpus_scoring.py, as the corpus test scores), how many wrong owners or deadlines the preview
flags for review, seconds per page and the peak memory of the reading process and its programs.
Aims (issue 16): clean scan recall, owners and due ≥ 0.95 under 5 s a page on a 2-core machine;
degraded photos recall ≥ 0.8 with every wrong field flagged. The poor photos are expected to be refused
page by page with «ảnh mờ/nghiêng quá, hãy chụp lại», giving no task rather than wrong ones.

Needs tesseract with its Vietnamese model and fonts-dejavu-core. Run from the project folder:
    uv run python benchmarks/ocr.py
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.isolation import read_document_isolated
from tracker.importer.parse import parse_document
from tracker.importer.reading import DocumentText, ImportFileError
from tracker.importer.text import clean_text
from tracker.usecases.import_preview import preview_import

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from corpus_scoring import owner_matches, score_document  # noqa: E402  # the corpus test's scoring
from scanned_pages import as_jpeg, as_scanned_pdf, draw_page, page_lines, phone_photo, scanned  # noqa: E402

SHARED = Path(os.environ.get("TRACKER_SHARED_DIR", ROOT.parent / "shared"))
SEED = "004_43a30539afeed7f9"
UNITS = UnitDirectory.from_config(load_ward_file(ROOT / "config" / "ward.example.toml"))
TODAY = date(2026, 5, 8)
MB = 1024 * 1024


@dataclass
class Reading:
    texts: list[str]  # one per file read
    documents: list[DocumentText]
    seconds: float


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, row by row (the standard library has none; a page is a few thousand letters)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(truth: list[str], read: list[str]) -> float:
    errors = total = 0
    for want, got in zip(truth, read, strict=True):
        want, got = " ".join(want.split()), " ".join(got.split())
        errors += edit_distance(want, got)
        total += len(want)
    return errors / total


def read_files(files: list[tuple[str, bytes]]) -> Reading:
    """Each file as the import reads it; a refused file counts as an empty text, its refusal printed."""
    started = time.perf_counter()
    texts, documents = [], []
    for name, data in files:
        try:
            document = read_document_isolated(data=data, name=name, max_bytes=50 * MB, seconds=1800)
        except ImportFileError as error:
            print(f"  refused: {error.message}")
            texts.append("")
            continue
        texts.append(document.text)
        documents.append(document)
    return Reading(texts, documents, time.perf_counter() - started)


def report(label: str, truth: list[str], page_texts: list[str], reading: Reading, gold: dict) -> None:
    """Print the figures of one way of reading; `page_texts` are the pages read one by one, for the CER."""
    text = clean_text("\n\n".join(reading.texts))
    parsed = parse_document(text, units=UNITS, today=TODAY)
    score = score_document(SEED, gold, parsed)
    merged = DocumentText(text=text, file_name=label, file_hash="", media="image",
                          doubtful_words=[w for d in reading.documents for w in d.doubtful_words])
    preview = {task.ref: task for task in preview_import(parsed, file_name=label, reading=merged).tasks}
    wrong, flagged = _wrong_fields(gold, parsed, preview)
    confidences = [d.ocr_confidence for d in reading.documents if d.ocr_confidence is not None]
    print(f"== {label}: {len(truth)} pages ==")
    print(f"  character error rate       {cer(truth, page_texts):.3f}"
          f"   (mean word confidence {sum(confidences) / max(1, len(confidences)):.1f}%)")
    print(f"  task recall                {score.matched / score.required:.3f}  ({score.matched}/{score.required}, "
          f"{score.false_tasks} false)")
    print(f"  owners right               {score.owners / max(1, score.matched):.3f}")
    print(f"  due right                  {score.dues / max(1, score.matched):.3f}")
    print(f"  wrong owner/due flagged    {flagged}/{wrong}")
    print(f"  seconds per page           {reading.seconds / len(truth):.2f}")
    for miss in score.misses[:5] if reading.documents else []:
        print(f"    missed: {miss[:100]}")


def _wrong_fields(gold: dict, parsed, preview) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Matched tasks whose owner or due is wrong, and how many of those the preview flags as doubtful."""
    from corpus_scoring import _best  # the same one-to-one matching as score_document

    free = list(parsed.tasks)
    wrong = flagged = 0
    for item in gold["tasks"]:
        task = _best(item, free)
        if task is None:
            continue
        free.remove(task)
        due = task.deadline.due.isoformat() if task.deadline.due else None
        if not owner_matches(task, item) or due != item["due"]:
            wrong += 1
            flagged += any("không chắc" in note for note in preview[task.ref].review)
    return wrong, flagged


def main() -> None:
    raw = (SHARED / "seeds" / f"{SEED}.txt").read_text(encoding="utf-8")
    gold = json.loads((SHARED / "gold" / f"{SEED}.json").read_text(encoding="utf-8"))
    layout = page_lines(raw)
    truth = ["\n".join(lines) for lines in layout]
    pages = [draw_page(lines) for lines in layout]

    scan = read_files([("thong-bao-scan.pdf", as_scanned_pdf([scanned(p, seed=i) for i, p in enumerate(pages)]))])
    photos = read_files([(f"anh-{i + 1}.jpg", as_jpeg(phone_photo(p, seed=i))) for i, p in enumerate(pages)])
    scan_pages = [read_files([(f"trang-{i + 1}.pdf", as_scanned_pdf([scanned(p, seed=i)]))]).texts[0]
                  for i, p in enumerate(pages)]
    report("flatbed scan, one PDF", truth, scan_pages, scan, gold)
    report("phone photos, one JPEG a page", truth, photos.texts, photos, gold)
    # A poor photo: more tilt, low resolution, blurred, compressed hard.
    poor = read_files([(f"anh-mo-{i + 1}.jpg", as_jpeg(phone_photo(p, seed=i, angle=-3.5, scale=0.55, blur=1.3),
                                                       quality=50)) for i, p in enumerate(pages)])
    report("poor phone photos (165 dpi, blurred, JPEG 50)", truth, poor.texts, poor, gold)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a reading process (with its tesseract): {peak:.0f} MB")


if __name__ == "__main__":
    main()
