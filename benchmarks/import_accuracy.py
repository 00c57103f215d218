"""Import accuracy against the hand-made answers of ../shared/gold (or TRACKER_SHARED_DIR).

Prints, for conclusion notice 004: task recall and precision, owner accuracy, coordinating-unit F1,
deadline kind and due accuracy; for every phrase of gold/deadlines.tsv: kind and due accuracy of
tracker's deadline grammar and, on the same phrases, of dateparser alone; for the task tables of seeds
002 (Phụ lục II) and 000 (Phụ lục 1 and 5): tasks found per table and per unit against the counts the
tables state. Targets (from the importer issue): 100% of the gold deadline phrases; at least 98% recall
and owner accuracy on notice 004 with no false tasks; 37, 94 and 76 tasks, each with the right unit.

Run from the project folder:  uv run python benchmarks/import_accuracy.py
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import dateparser

from tracker.config import load_ward_file
from tracker.importer.deadlines import parse_deadline
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ParsedDocument
from tracker.importer.parse import parse_document
from tracker.importer.text import clean_text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from corpus_scoring import score_corpus  # noqa: E402  # the same scoring the corpus test uses

SHARED = Path(os.environ.get("TRACKER_SHARED_DIR", ROOT.parent / "shared"))
UNITS = UnitDirectory.from_config(load_ward_file(ROOT / "config" / "ward.example.toml"))
TODAY = date(2026, 11, 23)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def parse_seed(name: str) -> ParsedDocument:
    text = clean_text((SHARED / "seeds" / name).read_text(encoding="utf-8"))
    return parse_document(text, units=UNITS, today=TODAY)


def notice_figures() -> None:
    gold = json.loads((SHARED / "gold" / "004_43a30539afeed7f9.json").read_text(encoding="utf-8"))
    parsed = parse_seed("004_43a30539afeed7f9.txt")
    by_text: dict[str, list] = {}
    for task in parsed.tasks:
        by_text.setdefault(task.title[:60], []).append(task)
    matched, owners, kinds, dues = [], 0, 0, 0
    tp = fp = fn = 0
    for g in gold["tasks"]:
        candidates = by_text.get(g["text_start"][:60], [])
        same_owner = [t for t in candidates if t.owner.unit == g["owner_normalized"]]
        task = (same_owner or candidates or [None])[0]
        if task is None:
            continue
        candidates.remove(task)
        matched.append(task)
        owners += task.owner.unit == g["owner_normalized"]
        kinds += task.deadline.kind == g["deadline_kind"]
        dues += (task.deadline.due.isoformat() if task.deadline.due else None) == g["due"]
        found = {c.unit or c.text for c in task.coordinating}
        expected = set(g["coordinating"])
        tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
    optional = sum(1 for t in parsed.tasks if t not in matched and t.title.startswith("Giao các Phó Chủ tịch"))
    extra = len(parsed.tasks) - len(matched) - optional
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    total = len(gold["tasks"])
    print("Thông báo kết luận 004 (so với đáp án):")
    print(f"  nhiệm vụ tìm đúng (recall): {len(matched)}/{total} = {percent(len(matched), total)}")
    print(f"  độ chính xác (precision): {len(matched)}/{len(matched) + extra} = "
          f"{percent(len(matched), len(matched) + extra)}; nhiệm vụ thừa: {extra}")
    print(f"  đơn vị chủ trì đúng: {owners}/{total} = {percent(owners, total)}")
    print(f"  đơn vị phối hợp F1: {f1:.3f}")
    print(f"  loại thời hạn đúng: {percent(kinds, total)}; ngày hết hạn đúng: {percent(dues, total)}")


def deadline_figures() -> None:
    with (SHARED / "gold" / "deadlines.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    ours_kind = ours_due = theirs_kind = theirs_due = 0
    misses = []
    for text, context, kind, due, *_ in rows:
        on = date.fromisoformat(context)
        accepted = {None if d == "-" else d for d in due.split("|")}
        mine = parse_deadline(text, on=on)
        mine_due = mine.due.isoformat() if mine.due else None
        ours_kind += mine.kind == kind
        ours_due += mine_due in accepted
        if mine.kind != kind or mine_due not in accepted:
            misses.append(f"{text} → {mine.kind} {mine_due}")
        guess = dateparser.parse(text, languages=["vi"], settings={
            "DATE_ORDER": "DMY", "RELATIVE_BASE": datetime(on.year, on.month, on.day)})
        guess_due = guess.date().isoformat() if guess else None
        theirs_kind += ("date" if guess else "none") == kind
        theirs_due += guess_due in accepted
    total = len(rows)
    print(f"Cụm từ thời hạn trong đáp án ({total} cụm):")
    print(f"  bộ ngữ pháp của hệ thống: loại đúng {percent(ours_kind, total)}, ngày đúng {percent(ours_due, total)}")
    print(f"  dateparser đơn thuần:      loại đúng {percent(theirs_kind, total)}, "
          f"ngày đúng {percent(theirs_due, total)}")
    for miss in misses:
        print(f"  sai: {miss}")


def table_figures() -> None:
    print("Bảng nhiệm vụ:")
    for name, appendix in (("002_bb20c4b39322e390.txt", "PLII"), ("000_fd44b82cfd10d0b4.txt", "PL1"),
                           ("000_fd44b82cfd10d0b4.txt", "PL5")):
        text = (SHARED / "seeds" / name).read_text(encoding="utf-8")
        parsed = parse_seed(name)
        # A document with one task table numbers its tasks plainly; with several, "PL1-1.1", "PL5-1.1".
        prefixed = [t for t in parsed.tasks if t.ref.startswith(appendix + "-")]
        tasks = prefixed or [t for t in parsed.tasks if not t.ref.startswith("PL")]
        unresolved = sum(t.owner.unit is None for t in tasks)
        counts = Counter(t.owner.unit for t in tasks)
        print(f"  {name[:3]} {appendix}: {len(tasks)} nhiệm vụ, {len(tasks) - unresolved} có đơn vị chủ trì "
              f"nhận ra được; theo đơn vị: " + ", ".join(f"{u}: {n}" for u, n in counts.items()))
        stated = _stated_counts(text, appendix)
        if stated:
            wrong = {u: (n, counts.get(u, 0)) for u, n in stated.items() if counts.get(u, 0) != n}
            verdict = wrong if wrong else f"khớp cả {len(stated)} đơn vị"
            print(f"    so với số ghi ở dòng đơn vị: {verdict}")


def _stated_counts(text: str, appendix: str) -> dict[str, int]:
    section = {"PL1": ("PHỤ LỤC 1", "PHỤ LỤC 2"), "PL5": ("PHỤ LỤC 5", None)}.get(appendix)
    if section is None:
        return {}
    start = text.index(section[0])
    end = text.index(section[1]) if section[1] else len(text)
    counts: dict[str, int] = {}
    for name, count in re.findall(r"^\d+\t(.+?) \((\d+) nhiệm vụ\)", text[start:end], flags=re.MULTILINE):
        counts[UNITS.resolve(name).unit or name] = int(count)
    return counts


def corpus_figures(verbose: bool) -> None:
    scores = score_corpus(SHARED / "corpus", units=UNITS, today=TODAY)
    print(f"Kho văn bản chỉ đạo thật ({len(scores)} văn bản):")
    print("  văn bản  loại               cần  tìm  thừa  chủ trì  loại hạn  ngày hạn  phối hợp F1")
    for s in scores:
        tp, fp, fn = s.coordinators
        f1 = f"{2 * tp / (2 * tp + fp + fn):.2f}" if tp + fp + fn else "—"
        print(f"  {s.name:<8} {s.kind:<18} {s.required:>3} {s.matched:>4} {s.false_tasks:>5} {s.owners:>8} "
              f"{s.kinds:>9} {s.dues:>9} {f1:>12}")
        if verbose:
            for miss in s.misses:
                print(f"      thiếu: {miss}")
            for extra in s.extras:
                print(f"      thừa:  {extra}")
    required = sum(s.required for s in scores)
    matched = sum(s.matched for s in scores)
    predicted = sum(s.predicted for s in scores)
    true_predicted = matched + sum(s.matched_optional for s in scores)
    tp, fp, fn = (sum(s.coordinators[i] for s in scores) for i in range(3))
    print(f"  recall: {matched}/{required} = {percent(matched, required)}")
    print(f"  precision: {true_predicted}/{predicted} = {percent(true_predicted, predicted)}")
    print(f"  đơn vị chủ trì đúng (trên số tìm được): {percent(sum(s.owners for s in scores), matched)}")
    print(f"  đơn vị phối hợp F1: {2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0:.3f}")
    print(f"  loại thời hạn đúng: {percent(sum(s.kinds for s in scores), matched)}; "
          f"ngày hết hạn đúng: {percent(sum(s.dues for s in scores), matched)}")
    print(f"  nhiệm vụ thừa trên {sum(s.kind == 'negative' for s in scores)} văn bản không giao việc: "
          f"{sum(s.false_on_negative for s in scores)}")


def main() -> None:
    if not (SHARED / "gold").is_dir():
        sys.exit(f"Không thấy thư mục đáp án {SHARED / 'gold'} (đặt TRACKER_SHARED_DIR).")
    notice_figures()
    deadline_figures()
    table_figures()
    if (SHARED / "corpus" / "gold").is_dir():
        corpus_figures(verbose="-v" in sys.argv[1:])


if __name__ == "__main__":
    main()
