"""Scoring the importer on the public corpus of real directives (../shared/corpus), as its README
suggests: predicted tasks are matched to gold tasks one to one, per document, by fuzzy text start
(the gold's first ≤60 characters against the beginning of the predicted clause) with the owner as the
tie-breaker; optional gold items neither add to recall nor count as false; any task predicted on a
negative that matches no optional item is a false task.

Used by tests/test_import_corpus.py and benchmarks/import_accuracy.py; reads the corpus at run time and
copies nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, ParsedDocument, ParsedTask
from tracker.importer.parse import parse_document
from tracker.importer.text import clean_text
from tracker.names import fold

TEXT_MATCH = 0.6  # share of the gold start's words found at the start of the predicted clause
# Words that do not tell two owners apart: "UBND các xã" and "các xã" are one owner.
_OWNER_NOISE = {"cac", "uy", "ban", "nhan", "dan", "ubnd", "tp", "thanh", "pho", "phuong", "xa", "huyen", "tinh",
                "so", "phong", "truong", "giam", "doc", "chu", "tich", "co", "quan", "don", "vi", "nganh", "lien",
                "tren", "dia"}


@dataclass
class DocumentScore:
    name: str
    kind: str
    required: int = 0
    predicted: int = 0
    matched: int = 0  # required gold tasks found
    matched_optional: int = 0
    owners: int = 0  # matched required tasks whose owner is right
    kinds: int = 0
    dues: int = 0
    coordinators: tuple[int, int, int] = (0, 0, 0)  # true, false, missed
    false_on_negative: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def false_tasks(self) -> int:
        return self.predicted - self.matched - self.matched_optional


def read_notice(path: Path) -> str:
    """The stored page text without its SOURCE line, cleaned as the importer cleans a .txt file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = "\n".join(lines[1:] if lines and lines[0].startswith("SOURCE:") else lines)
    return clean_text(body)


def score_corpus(corpus: Path, *, units: UnitDirectory, today: date) -> list[DocumentScore]:
    """One score per corpus document, in file order."""
    scores = []
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text = read_notice(corpus / "notices" / f"{gold_path.stem}.txt")
        parsed = parse_document(text, units=units, today=today)
        scores.append(score_document(gold_path.stem, gold, parsed))
    return scores


def score_document(name: str, gold: dict, parsed: ParsedDocument) -> DocumentScore:
    """Match `parsed` to `gold` and count."""
    score = DocumentScore(name=name, kind=gold["kind"], required=len(gold["tasks"]), predicted=len(parsed.tasks))
    free = list(parsed.tasks)
    for item in gold["tasks"]:
        task = _best(item, free)
        if task is None:
            score.misses.append(f"{item['owner']}: {item['text_start']}")
            continue
        free.remove(task)
        score.matched += 1
        score.owners += owner_matches(task, item)
        score.kinds += task.deadline.kind == item["deadline_kind"]
        score.dues += _due_matches(task, item)
        score.coordinators = _add(score.coordinators, _coordinator_counts(task, item))
    for item in gold.get("optional", []):
        if (task := _best(item, free)) is not None:
            free.remove(task)
            score.matched_optional += 1
    score.extras = [f"{t.owner.unit or t.owner.text}: {t.title[:70]}" for t in free]
    if gold["kind"] == "negative":
        score.false_on_negative = len(free)
    return score


def _best(item: dict, tasks: list[ParsedTask]) -> ParsedTask | None:
    best, best_key = None, (0.0, False)
    for task in tasks:
        similarity = text_similarity(item["text_start"], task.title)
        if similarity < TEXT_MATCH:
            continue
        key = (float(item.get("owner") is None or owner_matches(task, item)), similarity)
        if best is None or key > best_key:
            best, best_key = task, key
    return best


def text_similarity(gold_start: str, title: str) -> float:
    """Share of the gold start's words that appear among the first words of the predicted clause."""
    wanted = fold(gold_start).split()
    if not wanted:
        return 0.0
    head = fold(title).split()[: len(wanted) + 8]
    if " ".join(head).startswith(" ".join(wanted)):
        return 1.0
    pool = list(head)
    found = 0
    for word in wanted:
        if word in pool:
            pool.remove(word)
            found += 1
    return found / len(wanted)


def owner_matches(task: ParsedTask, item: dict) -> bool:
    """The predicted owner is the gold owner: both every unit ('*'), or the names agree once titles and
    administrative words are set aside ("Giám đốc Sở Nội vụ" = "Sở Nội vụ", "Công an TP" = "Công an
    Thành phố Hồ Chí Minh" by their distinctive words)."""
    gold = item.get("owner_normalized") or ""
    if gold == ALL_UNITS or task.owner.unit == ALL_UNITS:
        return gold == ALL_UNITS and task.owner.unit == ALL_UNITS
    mine = {fold(task.owner.unit or ""), fold(task.owner.text)}
    theirs = {fold(gold), fold(item.get("owner") or "")}
    if mine & theirs or any(a and b and (a in b or b in a) for a in mine for b in theirs):
        return True
    return bool(_key_words(mine) & _key_words(theirs))


def _key_words(names: set[str]) -> set[str]:
    return {w for name in names for w in name.split() if w not in _OWNER_NOISE and not w.isdigit()}


def _due_matches(task: ParsedTask, item: dict) -> bool:
    mine = task.deadline.due.isoformat() if task.deadline.due else None
    return mine == item["due"] or mine in item.get("due_alt", [])


def _coordinator_counts(task: ParsedTask, item: dict) -> tuple[int, int, int]:
    mine = {_plain(c.unit or c.text) for c in task.coordinating}
    theirs = {_plain(c) for c in item.get("coordinating", [])}
    true = sum(1 for m in mine if any(_same_body(m, t) for t in theirs))
    return true, len(mine) - true, len(theirs) - true


def _plain(name: str) -> str:
    # "Ủy ban nhân dân" is "UBND", and "văn phòng đăng ký đất đai của tỉnh" is "... đất đai tỉnh".
    words = fold(name).replace("uy ban nhan dan", "ubnd").split()
    return " ".join(w for w in words if w != "cua")


def _same_body(a: str, b: str) -> bool:
    return a == b or a in b or b in a


def _add(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]
