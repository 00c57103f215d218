"""Deadlines as Vietnamese documents write them: a table's "Thời hạn" cell, a phrase a leader pastes,
or a deadline inside a task's free text ("... hoàn thành trước ngày 15/5/2026 để ...").

The grammar (tracker.importer.deadline_grammar) comes first and dateparser only last. dateparser
alone reads most of these phrases wrongly: it returns nothing for "trước ngày 13/5/2026", "Quý II/2026"
or "cuối tháng 5", reads "tháng 6/2026" as 7 June, and has no notion of months, quarters, Tết, working
days, reference dates or impossible dates. It is asked only about an explicit day phrase the grammar
did not understand ("ngày 15 tháng sáu", "ngày mai"), and its answer is always marked for review."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from tracker.dates import format_day
from tracker.importer.deadline_grammar import RULES, Context, Reading, Rule, normalise
from tracker.importer.model import Deadline
from tracker.workdays import WorkCalendar


@dataclass
class Hit:
    """A grammar rule's reading of the text between `start` and `end`."""

    rule: Rule
    start: int
    end: int
    reading: Reading


GUESSED = "Thời hạn được đoán, cần kiểm tra."
BEFORE_PERIOD = "Thời hạn «trước» một tháng, quý hay năm: đã lấy ngày cuối của kỳ được nêu; cần kiểm tra."
UNORDERED = "Các mốc thời hạn không theo thứ tự thời gian; cần kiểm tra."
UNREAD = "Có một ngày trong thời hạn chưa đọc được; cần kiểm tra."
DATED = {"day", "period", "year", "tet", "rel"}

# A date right after a document's number or a session is that document's date, not a deadline:
# "Quyết định 1637/QĐ-UBND ngày 24/4/2026", "Kế hoạch số 175/KH-UBND ngày 06/5/2026", "kỳ họp ... cuối năm 2025".
_REFERENCE = re.compile(r"(?:\d+/\S*[^\W\d_]\S*|(?<!\w)số|(?<!\w)kỳ\s+họp(?:\s+\S+){0,3}|(?<!\w)năm\s+học)\s*,?\s*$")

# In free text only an explicit marker makes a deadline; each marker admits some forms of date.
_MARKER = re.compile(
    r"(?<!\w)(?P<verb>(?:hoàn\s+thành|hoàn\s+thiện|thực\s+hiện\s+xong|xong)\s+)?"
    r"(?:(?P<before>trước)"
    r"|(?P<strong>chậm\s+nhất(?:\s+(?:là|vào|trước))*|muộn\s+nhất(?:\s+là)?|hạn\s+(?:chót|cuối)(?:\s+(?:là|vào))?"
    r"|không\s+muộn\s+hơn|(?:đến\s+)?hết)"
    r"|(?P<within>trong(?:\s+(?:vòng|thời\s+hạn|thời\s+gian))?|không\s+quá|tối\s+đa)"
    r"|(?P<planned>dự\s+kiến(?:\s+(?:diễn\s+ra|tổ\s+chức|hoàn\s+thành))?(?:\s+(?:vào|trong))?)"
    r"|(?P<after>sau))(?!\w)\s*"
)
_MILESTONE = re.compile(r"\s*(?:,|;|và)\s*(?:và\s+)?(?:(?:hoàn\s+thành\s+)?trước\s+)?")
_LEAD = re.compile(r"^\W*(?:(?:hoàn\s+thành|thời\s+hạn|hạn\s+chót|chậm\s+nhất|trước|vào|là|hết|trong)(?!\w)\W*)*")
_DAY_NUMBER = re.compile(r"(?<!\w)ngày\s*\d{1,2}(?!\d)")
# "Trước tháng 9", "(đến) hết quý III": the work runs up to the period named, not within it.
_UP_TO = re.compile(r"(?<!\w)(?:trước|hết)\s*$")
_DAY_WORDS = re.compile(
    r"(?<!\w)(?:ngày|hôm|mai|thứ|chủ\s+nhật|tháng\s+(?:một|hai|ba|tư|năm|sáu|bảy|tám|chín|mười|giêng|chạp))(?!\w)"
)


def parse_deadline(text: str, *, on: date, calendar: WorkCalendar | None = None, base: date | None = None) -> Deadline:
    """How a deadline phrase is understood: `text` is the whole phrase ("Quý II/2026", "Trước ngày
    20/5/2026", "Hàng tháng"), `on` the document's date, `base` the day that "this"/"next" periods, an
    unnumbered "cuối tháng" and "N ngày" count from (a plan's first day); without it the periods count
    from `on` and "N ngày" without a start date of its own is reported for review.

    Returns a Deadline whose text is `text` in NFC, stripped; kind is one of date, month, quarter, year,
    recurring, none; due is a real date or None; milestones are the later dates of "A và B";
    recurrence is the rule in words for recurring ones; starts is the first day of the period the phrase
    names (a month, quarter, half, year or week, or the month or quarter a part of one belongs to), and
    None for a day, a recurring rule, nothing understood, or a phrase that runs up to the period
    ("trước tháng 9", "hết quý III"); review lists, in Vietnamese, every reason a person should check it
    (an impossible date is never guessed: kind "date", due None). The first deadline of the phrase wins,
    the rest is context. Empty text gives kind "none" without review;
    text not understood gives kind "none" and "Không hiểu thời hạn «…»". Never raises."""
    written = unicodedata.normalize("NFC", text if isinstance(text, str) else "").strip()
    if not any(c.isalnum() for c in written):
        return Deadline(text=written)
    norm = normalise(written.replace("**", ""))
    ctx = Context(on=on, calendar=calendar or WorkCalendar(), base=base)
    references: list[Hit] = []

    def accept(hit: Hit) -> bool:
        if hit.rule.family != "recurring" and _REFERENCE.search(norm, 0, hit.start):
            references.append(hit)
            return False
        return True

    hit = _search(norm, ctx, accept)
    # dateparser only where the grammar has nothing, or left an explicit "ngày N" unread before its reading.
    unread = _unread_day(norm, hit.start) if hit else not references
    guess = _guess(norm, ctx) if unread else None
    if guess is not None:
        return _deadline(written, Reading("date", guess, [GUESSED]), [], _before(guess, ctx))
    if hit is None:
        return Deadline(text=written, review=[f"Không hiểu thời hạn «{written}»."])
    _, milestones, review = _milestones(norm, hit, ctx)
    review += [UNREAD] if unread else []
    return _deadline(written, hit.reading, milestones, review + _context_review(norm, hit, ctx), _starts(norm, hit))


def find_deadline(sentence: str, *, on: date, calendar: WorkCalendar | None = None) -> Deadline | None:
    """The deadline written inside a task's free text, or None when it has none.

    Only explicit markers count ("trước ngày", "chậm nhất", "hạn chót", "hoàn thành trong/trước",
    "trong tháng", "trong quý", "hết ngày", "dự kiến vào", "sau N ngày") and recurring words
    ("thường xuyên", "định kỳ hàng tuần", "hằng tháng"); a date cited as a reference ("Quyết định
    1637/QĐ-UBND ngày 24/4/2026") or a year naming a thing ("Điều tra ... năm 2026") is not a deadline.
    The Deadline's text is the phrase as it stands in the sentence (from its marker, markdown `**`
    removed, spaces collapsed); the rest is as parse_deadline. Never raises."""
    plain = unicodedata.normalize("NFC", sentence if isinstance(sentence, str) else "").replace("**", "")
    norm = normalise(plain)
    ctx = Context(on=on, calendar=calendar or WorkCalendar())
    found: tuple[int, Hit] | None = None
    for marker in _MARKER.finditer(norm):
        hit = _match_at(norm, marker.end(), ctx, _families(marker))
        if hit is not None:
            found = (marker.start(), hit)
            break
    recurring = _search(norm, ctx, lambda hit: True, {"recurring"})
    if recurring is not None and (found is None or recurring.start < found[0]):
        found = (recurring.start, recurring)
    if found is None:
        return None
    start, hit = found
    end, milestones, review = _milestones(norm, hit, ctx)
    words = " ".join(plain[start:end].split())
    return _deadline(words, hit.reading, milestones, review + _context_review(norm, hit, ctx), _starts(norm, hit))


def _families(marker: re.Match[str]) -> set[str]:
    if marker["after"]:
        return {"relative"}
    if marker["within"]:
        # "trong năm 2026" alone names a year; "hoàn thành trong năm 2026" is a deadline.
        return {"day", "period", "rel", "relative"} | ({"year"} if marker["verb"] else set())
    if marker["strong"]:
        return DATED | {"relative"}
    return DATED


def _milestones(norm: str, hit: Hit, ctx: Context) -> tuple[int, list[date], list[str]]:
    """'A và B': the dates of the same form that follow the first; where the phrase ends."""
    end = hit.end
    dates: list[date] = []
    review: list[str] = []
    while (joint := _MILESTONE.match(norm, end)) and (
        nxt := _match_at(norm, joint.end(), ctx, {hit.rule.family} & DATED)
    ):
        end = nxt.end
        if nxt.reading.due is None:
            review += nxt.reading.review
        elif hit.reading.due and nxt.reading.due <= hit.reading.due:
            review.append(UNORDERED)
        else:
            dates.append(nxt.reading.due)
    return end, dates, review


def _context_review(norm: str, hit: Hit, ctx: Context) -> list[str]:
    review = _before(hit.reading.due, ctx) if hit.rule.family != "recurring" else []
    if hit.reading.kind in ("month", "quarter", "year") and re.search(r"trước\s*$", norm[: hit.start]):
        review.append(BEFORE_PERIOD)
    return review


def _before(due: date | None, ctx: Context) -> list[str]:
    if due is not None and due < ctx.on:
        return [f"Thời hạn trước ngày ban hành văn bản ({format_day(ctx.on)})."]
    return []


def _starts(norm: str, hit: Hit) -> date | None:
    """The first day of the period the phrase names, unless the phrase runs only up to it."""
    return None if _UP_TO.search(norm, 0, hit.start) else hit.reading.starts


def _deadline(text: str, reading: Reading, milestones: list[date], review: list[str],
              starts: date | None = None) -> Deadline:
    reasons = list(dict.fromkeys(reading.review + review))
    return Deadline(text=text, kind=reading.kind, due=reading.due, milestones=milestones, review=reasons,
                    recurrence=reading.recurrence, starts=starts)


def _unread_day(norm: str, end: int) -> bool:
    """Whether an explicit day ("ngày 15 ...") that is not a reference comes before the grammar's reading."""
    return any(not _REFERENCE.search(norm, 0, m.start()) for m in _DAY_NUMBER.finditer(norm, 0, end))


def _guess(norm: str, ctx: Context) -> date | None:
    """dateparser's reading of an explicit day phrase the grammar did not match, or None."""
    if not _DAY_WORDS.search(norm):
        return None
    phrase = _LEAD.sub("", norm)
    settings = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "last", "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": datetime(ctx.on.year, ctx.on.month, ctx.on.day)}
    import dateparser  # loaded on first use: it is large, and most phrases never reach it

    try:
        found = dateparser.parse(phrase, languages=["vi"], settings=settings)
    except Exception:  # a third-party parser on arbitrary text: any failure means "not understood"
        return None
    return found.date() if found else None


def _better(hit: Hit, best: Hit | None) -> bool:
    return best is None or (hit.start, -hit.end) < (best.start, -best.end)


def _match_at(text: str, pos: int, ctx: Context, families: set[str]) -> Hit | None:
    """The longest reading of one of `families` that starts exactly at `pos`."""
    best: Hit | None = None
    for rule in RULES:
        if rule.family in families and (m := rule.pattern.match(text, pos)):
            reading = rule.build(m, ctx)
            if reading and _better(hit := Hit(rule, m.start(), m.end(), reading), best):
                best = hit
    return best


def _search(text: str, ctx: Context, accept: Callable[[Hit], bool], families: set[str] | None = None) -> Hit | None:
    """The earliest (then longest) reading anywhere in `text` that `accept` keeps."""
    best: Hit | None = None
    for rule in RULES:
        if families is not None and rule.family not in families:
            continue
        for m in rule.pattern.finditer(text):
            if best is not None and m.start() > best.start:
                break
            reading = rule.build(m, ctx)
            if reading and accept(hit := Hit(rule, m.start(), m.end(), reading)) and _better(hit, best):
                best = hit
    return best
