"""The grammar of Vietnamese deadline phrases: one regular expression per form over normalised text,
each with a builder that turns a match into a reading (kind, due date, review reasons, recurrence).

The text the rules see is lower-cased NFC with diacritics kept and tone marks placed one way ("hoá"
and "hóa" both read "hóa", "qúy" reads "quý"); `normalise` keeps the length of its input, so that a
match's positions are positions in the text as written."""

from __future__ import annotations

import calendar as _calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.importer.model import IMPOSSIBLE_DATE_NOTE
from tracker.workdays import WorkCalendar

# A day or month without a year falls in the next year when the document's year would put it more
# than about two months before the document ("tháng 1" in a notice of December means next January).
WELL_BEFORE = timedelta(days=62)

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS = "aăâeêioôơuưy"
_SPLIT = {unicodedata.normalize("NFC", v + t): (v, t) for v in _VOWELS for t in _TONE_MARKS}
_JOIN = {pair: char for char, pair in _SPLIT.items()}
_SAME_WIDTH = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "–": "-", "—": "-", "ð": "đ"})


def normalise(text: str) -> str:
    """`text` (NFC) lower-cased, with dashes and spaces unified and one tone placement, same length."""
    plain = text.translate(_SAME_WIDTH)
    low = plain.lower()
    if len(low) != len(plain):  # a letter whose lower case is longer ("İ") keeps its place as it is
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in plain)
    # Regular expressions rather than a loop over characters: this runs over every sentence imported.
    low = _QU_TONE.sub(_tone_to_vowel, low)  # qúy -> quý
    return _LATE_TONE.sub(_tone_to_first, low)  # hoá -> hóa, thuỷ -> thủy


def _tone_to_vowel(match: re.Match[str]) -> str:
    tone = _SPLIT[match.group(1)][1]
    return "u" + _JOIN.get((match.group(2), tone), match.group(2))


def _tone_to_first(match: re.Match[str]) -> str:
    first, toned = match.group(0)
    base, tone = _SPLIT[toned]
    return _JOIN.get((first, tone), first) + base


_TONED = {v: "".join(unicodedata.normalize("NFC", v + t) for t in _TONE_MARKS) for v in _VOWELS}
_QU_TONE = re.compile(f"(?<=q)([{_TONED['u']}])([{_VOWELS}])")
_LATE_TONE = re.compile(f"(?<!q)(?:o[{_TONED['a']}{_TONED['e']}]|u[{_TONED['y']}])(?![^\\W\\d_])")


@dataclass(frozen=True)
class Context:
    on: date
    calendar: WorkCalendar
    base: date | None = None


@dataclass
class Reading:
    """What a rule understood. `starts` is the first day of the period the phrase names (a month,
    quarter, half, year, week, or the month or quarter a part of one belongs to); None for a day,
    a recurring rule, or nothing understood: such a task's period starts when it is assigned."""

    kind: str
    due: date | None = None
    review: list[str] = field(default_factory=list)
    recurrence: str = ""
    starts: date | None = None


Builder = Callable[[re.Match[str], Context], "Reading | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    family: str  # day | period | year | tet | relative | rel | current | recurring
    pattern: re.Pattern[str]
    build: Builder


# ---- dates ---------------------------------------------------------------------------------------

def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def month_end(year: int, month: int) -> date | None:
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    return date(year, month, _calendar.monthrange(year, month)[1])


def shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def impossible(what: str) -> str:
    return f"{what} {IMPOSSIBLE_DATE_NOTE}"


def _found(kind: str, due: date | None, starts: date | None, what: str) -> Reading:
    """The reading of a period due on `due`, or the reason to check it when `what` does not exist (due None)."""
    return Reading(kind, due, starts=starts) if due else Reading(kind, review=[impossible(what)])


def _year(ctx: Context, written: str | None, month: int, day: int = 28) -> int:
    """The written year (two digits mean 20xx), else the document's, else the next one (WELL_BEFORE)."""
    if written:
        year = int(written)
        return year + 2000 if year < 100 else year
    probe = safe_date(ctx.on.year, month, min(day, 28)) if 1 <= month <= 12 else None
    if probe and probe < shift(ctx.on, -WELL_BEFORE.days):
        return ctx.on.year + 1
    return ctx.on.year


def _part(year: int, month: int, part: str) -> Reading:
    """'đầu'/'tuần đầu' → the 7th (first week), 'giữa' → the 15th, 'cuối'/'tuần cuối' → the last day;
    the period starts on the month's first day whatever the part."""
    due = month_end(year, month)
    if due and part not in ("cuối", "tuần cuối"):
        due = due.replace(day=15 if part == "giữa" else 7)
    return _found("month" if part == "cuối" else "date", due, safe_date(year, month, 1), f"Tháng {month}/{year}")


# ---- patterns ------------------------------------------------------------------------------------

_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)"
_YEAR_TAIL = r"(?:\s*(?:[/.\-]|năm)\s*(?P<year>\d{4})(?!\d))?"
_CONTINUE = (r"(?:\s*,?\s*(?:và|cùng)\s+(?:các|những)\s+(?:tháng|quý|năm)"
             r"\s+(?:tiếp\s+theo|kế\s+tiếp|tiếp|sau(?:\s+đó)?))?")
_QNUM = r"(?:[ivx]+|\d{1,2})(?!\w)"
_REL = r"(?P<rel>này|nay|sau|tới|kế\s+tiếp)"


def _rx(body: str) -> re.Pattern[str]:
    # Not glued to a word, a digit or a slash on the left ("1637/QĐ", "2025-2026"), nor to a word on the right.
    return re.compile(r"(?<![\w/])(?:" + body + r")(?!\w)")


DAY = _rx(
    r"(?:\d{1,2}\s*(?:giờ|h|g)(?:\s*\d{1,2}\s*(?:phút|p)?)?\s*,?\s*)?"  # trước 17 giờ ngày ..., 16h00 ngày ...
    rf"(?:{_WEEKDAY}\s*,?\s*)?(?:(?P<ngay>ngày)\s*)?"
    r"(?:(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![\d/])"
    r"|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?!\d)(?:\s*,?\s*năm\s+(?P<y2>\d{4})|[/.\-](?P<y3>\d{4}))?)"
)


def _day(m: re.Match[str], ctx: Context) -> Reading | None:
    written = m["y"] or m["y2"] or m["y3"]
    if m["sep"] in (".", "-") and not written and not m["ngay"]:
        return None  # "5.6" or "6-8" alone is a number or a range, not a day
    day, month = int(m["d"] or m["d2"]), int(m["m"] or m["m2"])
    year = _year(ctx, written, month, day)
    due = safe_date(year, month, day)
    return Reading("date", due) if due else Reading("date", review=[impossible(f"Ngày {day}/{month}/{year}")])


def _list(first: str, more: str | None, last: str | None) -> list[str]:
    return [first, *re.findall(r"[ivx]+|\d+", more or ""), *([last] if last else [])]


def _periods(m: re.Match[str], ctx: Context, kind: str, parse: Callable[[str], int], top: int) -> Reading:
    """A month or quarter, a list of them (due at the last named) or a range (due at its end)."""
    numbers = [(raw, parse(raw)) for raw in _list(m["first"], m["more"], m["last"])]
    label = "Tháng" if kind == "month" else "Quý"
    bad = [raw for raw, n in numbers if not 1 <= n <= top]
    if bad:
        return Reading(kind, review=[impossible(f"{label} {bad[0].upper()}")])
    first, due_n = numbers[0][1], numbers[-1][1]
    months_per = 1 if kind == "month" else 3
    year = _year(ctx, m["year"], first * months_per)
    if not m["year"] and due_n < first:
        year += 1  # "tháng 11 - 2": the range crosses the new year
    # The year found is the last period's: "tháng 11 - 2/2027" starts in November 2026.
    starts = safe_date(year - 1 if due_n < first else year, (first - 1) * months_per + 1, 1)
    return _found(kind, month_end(year, due_n * months_per), starts, f"{label} {due_n}/{year}")


MONTHS = _rx(
    r"tháng\s*(?P<first>\d{1,2})(?!\d)"
    r"(?P<more>(?:\s*(?:,|và)\s*\d{1,2}(?!\d))*)"
    r"(?:\s*(?:-|đến|tới)\s*(?:hết\s+)?(?:tháng\s*)?(?P<last>\d{1,2})(?!\d))?"
    + _CONTINUE + _YEAR_TAIL
)
QUARTERS = _rx(
    rf"quý\s*(?P<first>{_QNUM})"
    rf"(?P<more>(?:\s*(?:,|và)\s*{_QNUM})*)"
    rf"(?:\s*(?:-|đến|tới)\s*(?:hết\s+)?(?:quý\s*)?(?P<last>{_QNUM}))?"
    + _CONTINUE + _YEAR_TAIL
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _quarter_number(raw: str) -> int:
    return int(raw) if raw.isdigit() else _ROMAN.get(raw, 0)


PART_MONTH = _rx(
    r"(?:tuần\s+(?P<week>đầu|cuối)(?:\s+tiên)?|(?P<part>đầu|giữa|cuối))\s+(?:của\s+)?tháng"
    r"(?:\s*(?P<m>\d{1,2})(?!\d)" + _YEAR_TAIL + ")?"
)


def _part_month(m: re.Match[str], ctx: Context) -> Reading:
    # Without a number it is the current month: of `base` when known (a plan's month), else the document's.
    anchor = ctx.base or ctx.on
    month = int(m["m"]) if m["m"] else anchor.month
    if not 1 <= month <= 12:
        return Reading("date", review=[impossible(f"Tháng {month}")])
    year = _year(ctx, m["year"], month) if m["m"] else anchor.year
    return _part(year, month, f"tuần {m['week']}" if m["week"] else m["part"])


PART_QUARTER = _rx(rf"(?P<part>đầu|giữa|cuối)\s+quý(?:\s*(?P<q>{_QNUM})" + _YEAR_TAIL + ")?")


def _part_quarter(m: re.Match[str], ctx: Context) -> Reading:
    anchor = ctx.base or ctx.on
    quarter = _quarter_number(m["q"]) if m["q"] else (anchor.month - 1) // 3 + 1
    if not 1 <= quarter <= 4:
        return Reading("quarter", review=[impossible(f"Quý {m['q'].upper()}")])
    year = _year(ctx, m["year"], quarter * 3) if m["q"] else anchor.year
    return _quarter_part(year, quarter, m["part"])


def _quarter_part(year: int, quarter: int, part: str | None) -> Reading:
    last = quarter * 3
    kind, due = {"đầu": ("month", month_end(year, last - 2)), "giữa": ("date", safe_date(year, last - 1, 15))}.get(
        part or "", ("quarter", month_end(year, last)))
    return _found(kind, due, safe_date(year, last - 2, 1), f"Quý {quarter}/{year}")


HALF = _rx(r"(?:(?:6|sáu)\s+tháng|nửa)\s+(?P<part>đầu|cuối)(?:\s+của)?\s+năm(?:\s*(?P<year>\d{4})(?!\d))?")


def _half(m: re.Match[str], ctx: Context) -> Reading:
    # A half year has no kind of its own: it is read as the quarter it ends with (II or IV).
    month = 6 if m["part"] == "đầu" else 12
    year = _year(ctx, m["year"], month)
    return _found("quarter", month_end(year, month), safe_date(year, month - 5, 1), f"Năm {year}")


YEAR = _rx(r"(?P<part>đầu|giữa|cuối)\s+năm(?:\s*(?P<y1>\d{4})(?!\d))?|năm\s*(?P<y2>\d{4})(?!\d)")
BARE_YEAR = re.compile(r"^\s*(?P<y2>(?:19|20)\d{2})\s*\.?\s*$")


def _year_reading(year: int, part: str | None) -> Reading:
    if part == "đầu":
        kind, due = "month", month_end(year, 1)
    elif part == "giữa":
        kind, due = "date", safe_date(year, 6, 30)
    else:
        kind, due = "year", month_end(year, 12)
    # A part of a year ("cuối năm") belongs to that year: its period starts on 1 January.
    return _found(kind, due, safe_date(year, 1, 1), f"Năm {year}")


def _year_rule(m: re.Match[str], ctx: Context) -> Reading:
    written = m.groupdict().get("y1") or m["y2"]
    return _year_reading(int(written) if written else ctx.on.year, m.groupdict().get("part"))


RELATIVE_PERIOD = _rx(rf"(?:(?P<part>đầu|giữa|cuối)\s+)?(?P<unit>tuần|tháng|quý|năm)\s+{_REL}")
CURRENT = _rx(
    r"trong\s+(?P<unit>tuần|tháng|quý|năm)"
    r"(?!\s*\d|\s+(?:[ivx]+(?!\w)|này|nay|sau|tới|kế|tiếp|đầu|giữa|cuối|học|tiên|làm))"
)


def _relative_period(m: re.Match[str], ctx: Context) -> Reading:
    """This/next week, month, quarter or year, from `base` when known, else from the document's date."""
    anchor = ctx.base or ctx.on
    step = 0 if m.groupdict().get("rel") in (None, "này", "nay") else 1
    unit, part = m["unit"], m.groupdict().get("part")
    if unit == "tuần":
        return _week(ctx, shift(anchor, 7 * step), part)
    if unit == "năm":
        return _year_reading(anchor.year + step, part)
    months = anchor.year * 12 + anchor.month - 1 + (step * (1 if unit == "tháng" else 3))
    year, month = divmod(months, 12)
    if unit == "tháng":
        return _part(year, month + 1, part or "cuối")
    return _quarter_part(year, month // 3 + 1, part)


def _week(ctx: Context, day: date, part: str | None) -> Reading:
    """A week is due on its last working day (Friday unless it is a holiday); 'đầu tuần' on its first.
    Its period starts on its Monday."""
    monday = shift(day, -day.weekday())
    days = [shift(monday, i) for i in range(5)]
    working = [d for d in days if ctx.calendar.is_working_day(d)] or days
    return Reading("date", working[0] if part == "đầu" else working[-1], starts=monday)


TET = _rx(
    r"(?P<solar>tết\s+dương\s+lịch)(?:\s*(?:năm\s*)?(?P<y1>\d{4})(?!\d))?"
    r"|tết(?!\s+(?:trồng|thiếu|trung|đoan|dương))(?:\s+(?:nguyên\s+đán|âm\s+lịch|cổ\s+truyền))?"
    r"(?:\s*(?:năm\s*)?(?P<y2>\d{4})(?!\d))?"
)


def _tet(m: re.Match[str], ctx: Context) -> Reading:
    """Work due for Tết is due the day before it: of the named year, else the next Tết still ahead."""
    if m["solar"]:
        year = int(m["y1"]) - 1 if m["y1"] else ctx.on.year
        due = safe_date(year, 12, 31)
        return Reading("date", due) if due else Reading("date", review=[impossible(f"Năm {year}")])
    years = [int(m["y2"])] if m["y2"] else [ctx.on.year, ctx.on.year + 1]
    for year in years:
        try:
            due = shift(ctx.calendar.lunar_new_year(year), -1)
        except ValueError:
            return Reading("date", review=[f"Không tìm được ngày Tết Nguyên đán năm {year}; cần nhập lại thời hạn."])
        if m["y2"] or due >= ctx.on:
            return Reading("date", due)
    return Reading("date", due)


RELATIVE = _rx(
    r"(?<!ngày\s)(?P<n>\d{1,3})\s*(?P<unit>ngày(?:\s+làm\s+việc)?|tuần|tháng)(?!\s*\d)"
    r"(?!\s+(?:đầu|giữa|cuối|một|hai|ba|tư|năm|sáu|bảy|tám|chín|mười|giêng|chạp)(?!\w))"
    r"(?:\s*,?\s*(?:(?:kể\s+|tính\s+)?từ\s+(?P<anchor>[^,;.()]{1,60}?)|sau\s+khi\s+(?P<event>[^,;.()]{1,60}?))"
    r"(?=\s*(?:[,;.()]|$)))?"
)
# "kể từ ngày ký", "kể từ ngày ban hành Thông báo này", "kể từ ngày nhận được văn bản này": the document's own day.
_THIS_DOCUMENT = re.compile(
    r"^(?:ngày\s+)?(?:(?:ký|ban\s+hành)(?:\s+(?:ban\s+hành|ký))?(?:\s+(?:văn\s+bản|thông\s+báo|quyết\s+định|"
    r"công\s+văn|kế\s+hoạch|chỉ\s+thị)(?:\s+này)?)?|.*(?:văn\s+bản|thông\s+báo|quyết\s+định|công\s+văn|kế\s+hoạch|"
    r"chỉ\s+thị)\s+này(?:\s+có\s+hiệu\s+lực)?)\s*$"
)
_UNIT_WORDS = {"ngày làm việc": "ngày làm việc", "ngày": "số ngày", "tuần": "số tuần", "tháng": "số tháng"}


def _relative(m: re.Match[str], ctx: Context) -> Reading:
    """N (working) days, weeks or months from an explicit start date; from the document's own day when the
    phrase counts from its signing or issue ("kể từ ngày ký"); from `base` (a plan's first day), else the
    document's day, when it names no start. Counted from an event whose day is unknown ("kể từ ngày nhận
    đủ hồ sơ", "sau khi được phê duyệt"), the due date stays empty and is flagged. Day 1 is the day after
    the start (Bộ luật Dân sự, art. 147); working days follow the ward's calendar."""
    unit, n = " ".join(m["unit"].split()), int(m["n"])
    start = ctx.base or ctx.on
    anchor = " ".join((m["anchor"] or m["event"] or "").split())
    if anchor:
        if m["anchor"] and (found := DAY.search(m["anchor"])) and (reading := _day(found, ctx)):
            start = reading.due
        elif m["anchor"] and _THIS_DOCUMENT.match(anchor):
            start = ctx.on
        else:
            return Reading("date", review=[f"Thời hạn tính từ một việc chưa biết ngày («{anchor}»); cần kiểm tra."])
    if start is None:
        return Reading("date", review=[f"Thời hạn tính theo {_UNIT_WORDS[unit]} nhưng chưa rõ ngày bắt đầu."])
    try:
        if unit == "ngày làm việc":
            due = ctx.calendar.add_working_days(start, n)
        elif unit == "tháng":
            total = start.year * 12 + start.month - 1 + n
            year, month = divmod(total, 12)
            end = month_end(year, month + 1)
            due = end.replace(day=min(start.day, end.day)) if end else None
        else:
            due = start + timedelta(days=n * (7 if unit == "tuần" else 1))
    except (OverflowError, ValueError):
        due = None
    return Reading("date", due) if due else Reading("date", review=[impossible(f"Thời hạn «{m[0]}»")])


_EACH = r"(?:hằng|hàng|mỗi)"
RECURRING_DAY = _rx(
    r"(?:(?P<pre>trước|chậm\s+nhất(?:\s+là)?|vào)\s+)?(?:các\s+)?ngày\s*(?P<day>\d{1,2}(?:/\d{1,2})?)(?![\d/])"
    rf"\s*(?:của\s+)?{_EACH}\s+(?P<per>tháng|quý|năm)"
)
RECURRING_EACH = _rx(
    rf"(?:định\s+k[ỳì]\s*,?\s*)?{_EACH}\s+(?P<per>ngày|tuần|tháng|quý|năm)(?!\s*\d)"
    r"(?:\s*,?\s*(?P<pre>trước|chậm\s+nhất(?:\s+là)?|vào)?\s*ngày\s*(?P<day>\d{1,2}(?:/\d{1,2})?)(?![\d/]))?"
)
RECURRING_PERIODIC = _rx(r"định\s+k[ỳì](?:\s+(?P<n>\d{1,2})\s+(?P<per>ngày|tuần|tháng|năm))?|thường\s+xuyên|liên\s+tục")
RECURRING_START = _rx(r"(?P<part>đầu|cuối)\s+(?:các|mỗi)\s+(?P<per>tuần|tháng|quý)(?:\s+trong\s+(?:tháng|quý|năm))?")
RECURRING_WEEKDAY = _rx(rf"(?:vào\s+)?(?:các\s+)?(?:ngày\s+)?(?P<wd>{_WEEKDAY})\s+{_EACH}\s+tuần")


def _recurring(m: re.Match[str], ctx: Context) -> Reading:
    """A recurring deadline has no due date; its rule is kept in words: 'hằng tháng, trước ngày 20'."""
    g = m.groupdict()
    words = " ".join(m[0].split())
    if g.get("wd"):
        rule = f"hằng tuần, {' '.join(g['wd'].split())}"
    elif g.get("part"):
        rule = f"hằng {g['per']}, {g['part']} {g['per']}"
    elif g.get("per") and "định" in words and g.get("n"):
        rule = f"định kỳ {g['n']} {g['per']}"
    elif g.get("per"):
        rule = f"hằng {g['per']}"
        if g.get("day"):
            when = " ".join((g.get("pre") or "").split()).replace("vào", "").strip()
            rule += f", {when + ' ' if when else ''}ngày {g['day']}"
    else:
        rule = "định kỳ" if words.startswith("định") else words
    return Reading("recurring", recurrence=rule)


# Order matters only between matches of the same start and length: the first listed wins.
RULES: list[Rule] = [
    Rule("recurring_day", "recurring", RECURRING_DAY, _recurring),
    Rule("recurring_each", "recurring", RECURRING_EACH, _recurring),
    Rule("recurring_weekday", "recurring", RECURRING_WEEKDAY, _recurring),
    Rule("recurring_start", "recurring", RECURRING_START, _recurring),
    Rule("recurring", "recurring", RECURRING_PERIODIC, _recurring),
    Rule("day", "day", DAY, _day),
    Rule("half", "period", HALF, _half),
    Rule("part_month", "period", PART_MONTH, _part_month),
    Rule("part_quarter", "period", PART_QUARTER, _part_quarter),
    Rule("months", "period", MONTHS, lambda m, ctx: _periods(m, ctx, "month", int, 12)),
    Rule("quarters", "period", QUARTERS, lambda m, ctx: _periods(m, ctx, "quarter", _quarter_number, 4)),
    Rule("relative_period", "rel", RELATIVE_PERIOD, _relative_period),
    Rule("year", "year", YEAR, _year_rule),
    Rule("tet", "tet", TET, _tet),
    Rule("relative", "relative", RELATIVE, _relative),
    Rule("current", "current", CURRENT, _relative_period),
    Rule("bare_year", "current", BARE_YEAR, _year_rule),
]
