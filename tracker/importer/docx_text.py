"""The text of a Word (.docx) body in reading order: paragraphs and tables as they come, with the list
numbers Word draws itself.

- Paragraphs: the runs' text, also inside hyperlinks, content controls, fields' results and tracked
  insertions; tracked deletions and field codes are left out. A line break stays a line break, a tab
  becomes a space (a tab means a table cell in our text). Text boxes follow their anchoring paragraph.
- Tables: one tab-separated line per row, a cell's paragraphs joined with " ". A horizontally merged
  cell (gridSpan) is followed by empty cells so that columns stay aligned; a vertically merged cell
  keeps its text in the first row and is empty below; rows that Word repeats on every page
  (tblHeader) are in the file once and come out once. Rows with no text are left out.
- Headers, footers, footnotes and comments are not part of the body and are ignored.

List numbers (python-docx does not compute them): a paragraph with numbering, its own (w:numPr) or its
style's, gets a prefix. Bullets of any glyph become "- ". Numbers are counted per abstract list,
the way Word continues a list across paragraphs that share it; a list instance with a start override
restarts it. Each level's text ("%1.", "%1.%2.", "(%1)", "%2)") is filled with the counters, formatted
as decimal, decimalZero, lower/upper letter or lower/upper Roman (anything else counts as decimal;
"isLgl" levels use decimal throughout); a deeper level restarts after a shallower one unless its
lvlRestart says otherwise. Not supported: numbering fields in the text (LISTNUM, SEQ), picture bullets
(shown as "- "), and list numbers restarted by hand in Word's newest "restart numbering" without an
override (counted as continuing).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_VAL = W + "val"

# Inside a paragraph: what is never text.
_SKIPPED = {
    W + "pPr", W + "rPr", W + "del", W + "moveFrom", W + "delText", W + "instrText", W + "delInstrText",
    W + "footnoteReference", W + "endnoteReference", W + "commentReference", W + "txbxContent",
    _MC + "Fallback",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\u00a0]+")
# Word's tables have at most 63 columns; a span or skip beyond that is a hostile file, not a table.
MAX_GRID = 64


def docx_text(data: bytes) -> str:
    """The body's text; paragraphs and tables separated by a blank line."""
    document = docx.Document(io.BytesIO(data))
    reader = _BodyReader(_Numbering.of(document))
    blocks: list[str] = []
    reader.walk(document.element.body, blocks)
    return "\n\n".join(blocks)


class _BodyReader:
    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering

    def walk(self, container, blocks: list[str]) -> None:
        for child in container:
            tag = child.tag
            if tag == W + "p":
                text = self.paragraph(child)
                if text:
                    blocks.append(text)
                for box in _text_boxes(child):
                    self.walk(box, blocks)
            elif tag == W + "tbl":
                rows = self.table_rows(child)
                if rows:
                    blocks.append("\n".join(rows))
            elif tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"):
                self.walk(child, blocks)

    def paragraph(self, p) -> str:
        parts: list[str] = []
        _inline_text(p, parts)
        lines = [_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n")]
        text = "\n".join(line for line in lines if line)
        prefix = self.numbering.prefix(p)
        if not text:
            return ""
        return prefix + text

    def table_rows(self, tbl) -> list[str]:
        rows: list[str] = []
        for tr in _children(tbl, "tr"):
            cells: list[str] = [""] * _grid_count(tr, "gridBefore")
            for tc in _children(tr, "tc"):
                tc_pr = tc.find(W + "tcPr")
                span = min(_int_val(tc_pr.find(W + "gridSpan") if tc_pr is not None else None, 1), MAX_GRID)
                cells.append("" if _is_merge_continuation(tc_pr) else self.cell_text(tc))
                cells.extend([""] * (max(span, 1) - 1))
            cells += [""] * _grid_count(tr, "gridAfter")
            if any(cells):
                rows.append("\t".join(cells))
        return rows

    def cell_text(self, tc) -> str:
        blocks: list[str] = []
        self.walk(tc, blocks)
        return _SPACES.sub(" ", " ".join(blocks).replace("\n", " ")).strip()


def _inline_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag in (W + "tab", W + "ptab"):
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        else:
            _inline_text(child, parts)


def _text_boxes(p) -> list:
    """Text boxes anchored in a paragraph (not those inside another box, nor the legacy copies)."""
    found: list = []

    def search(element) -> None:
        for child in element:
            if not isinstance(child.tag, str) or child.tag == _MC + "Fallback":
                continue
            if child.tag == W + "txbxContent":
                found.append(child)
            else:
                search(child)

    search(p)
    return found


def _children(element, name: str) -> list:
    """Children called `name`, also when wrapped in content controls or custom XML."""
    out: list = []
    for child in element:
        if child.tag == W + name:
            out.append(child)
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
            out.extend(_children(child, name))
    return out


def _int_val(element, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_VAL, default))
    except (TypeError, ValueError):
        return default


def _grid_count(tr, name: str) -> int:
    tr_pr = tr.find(W + "trPr")
    return max(0, min(_int_val(tr_pr.find(W + name) if tr_pr is not None else None, 0), MAX_GRID))


def _is_merge_continuation(tc_pr) -> bool:
    if tc_pr is None:
        return False
    v_merge = tc_pr.find(W + "vMerge")
    if v_merge is not None and v_merge.get(_VAL, "continue") == "continue":
        return True
    h_merge = tc_pr.find(W + "hMerge")  # the old way of merging across
    return h_merge is not None and h_merge.get(_VAL, "continue") == "continue"


# --- list numbering -----------------------------------------------------------------------------


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # lvlRestart: restart after this (1-based) level; 0 = never
    legal: bool = False
    suffix: str = "tab"
    style: str | None = None


class _Numbering:
    def __init__(self, numbering, styles) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self.style_numbers: dict[str, tuple[str | None, int | None]] = {}
        self.default_style: str | None = None
        self.counters: dict[str, list[int | None]] = {}
        self.seen: set[str] = set()
        if numbering is not None:
            self._read_numbering(numbering, styles)
        if styles is not None:
            self._read_styles(styles)

    @classmethod
    def of(cls, document) -> _Numbering:
        try:
            numbering = document.part.part_related_by(RT.NUMBERING).element
        except (KeyError, AttributeError):
            numbering = None
        try:
            styles = document.styles.element
        except (KeyError, AttributeError):
            styles = None
        return cls(numbering, styles)

    def _read_numbering(self, numbering, styles) -> None:
        style_links: dict[str, str] = {}
        for abstract in numbering.findall(W + "abstractNum"):
            abstract_id = abstract.get(W + "abstractNumId", "")
            self.abstracts[abstract_id] = {
                _int_val_attr(lvl, W + "ilvl"): _read_level(lvl) for lvl in abstract.findall(W + "lvl")
            }
            link = abstract.find(W + "numStyleLink")
            if link is not None:
                style_links[abstract_id] = link.get(_VAL, "")
        for num in numbering.findall(W + "num"):
            abstract_ref = num.find(W + "abstractNumId")
            if abstract_ref is None:
                continue
            starts: dict[int, int] = {}
            levels: dict[int, _Level] = {}
            for override in num.findall(W + "lvlOverride"):
                ilvl = _int_val_attr(override, W + "ilvl")
                start = override.find(W + "startOverride")
                if start is not None:
                    starts[ilvl] = _int_val(start, 1)
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    levels[ilvl] = _read_level(lvl)
            self.nums[num.get(W + "numId", "")] = (abstract_ref.get(_VAL, ""), starts, levels)
        # An abstract list that only points at a numbering style takes that style's list.
        for abstract_id, style_id in style_links.items():
            num_id = _style_num_id(styles, style_id)
            target = self.nums.get(num_id or "")
            if target and self.abstracts.get(target[0]):
                self.abstracts[abstract_id] = self.abstracts[target[0]]

    def _read_styles(self, styles) -> None:
        own: dict[str, tuple[str | None, int | None, str | None]] = {}
        for style in styles.findall(W + "style"):
            if style.get(W + "type") != "paragraph":
                continue
            style_id = style.get(W + "styleId", "")
            if style.get(W + "default") in ("1", "true", "on"):
                self.default_style = style_id
            based = style.find(W + "basedOn")
            num_pr = style.find(f"{W}pPr/{W}numPr")
            num_id = ilvl = None
            if num_pr is not None:
                num_id_el, ilvl_el = num_pr.find(W + "numId"), num_pr.find(W + "ilvl")
                num_id = num_id_el.get(_VAL) if num_id_el is not None else None
                ilvl = _int_val(ilvl_el, 0) if ilvl_el is not None else None
            own[style_id] = (num_id, ilvl, based.get(_VAL) if based is not None else None)
        for style_id in own:
            num_id, ilvl, based = own[style_id]
            depth = 0
            while num_id is None and based in own and depth < 20:
                num_id, ilvl, based = own[based]
                depth += 1
            self.style_numbers[style_id] = (num_id, ilvl)

    def prefix(self, p) -> str:
        p_pr = p.find(W + "pPr")
        style_el = p_pr.find(W + "pStyle") if p_pr is not None else None
        style_id = style_el.get(_VAL) if style_el is not None else self.default_style
        num_id, ilvl = self.style_numbers.get(style_id or "", (None, None))
        num_pr = p_pr.find(W + "numPr") if p_pr is not None else None
        if num_pr is not None:
            num_id_el, ilvl_el = num_pr.find(W + "numId"), num_pr.find(W + "ilvl")
            if num_id_el is not None:
                num_id, ilvl = num_id_el.get(_VAL), None
            if ilvl_el is not None:
                ilvl = _int_val(ilvl_el, 0)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, starts, overrides = self.nums[num_id]
        levels = {**self.abstracts.get(abstract_id, {}), **overrides}
        if ilvl is None:  # a style's list: the level that names the style, else the first
            ilvl = next((i for i, lvl in levels.items() if lvl.style == style_id), 0)
        ilvl = max(0, min(ilvl, 8))
        level = levels.get(ilvl)
        if level is None:
            return ""
        return self._count(num_id, abstract_id, starts, levels, ilvl, level)

    def _count(self, num_id, abstract_id, starts, levels, ilvl, level) -> str:
        counters = self.counters.setdefault(abstract_id, [None] * 9)
        if num_id not in self.seen:
            self.seen.add(num_id)
            for lvl_index, start in starts.items():
                if 0 <= lvl_index <= 8:
                    counters[lvl_index] = start - 1
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl <= restart - 1):
                counters[deeper] = None
        if level.fmt == "bullet":
            return "- "
        if level.fmt == "none" or not level.text:
            return ""

        def value(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            lvl = levels.get(index, _Level())
            count = counters[index] if counters[index] is not None else lvl.start
            return _format_number(count, "decimal" if level.legal else lvl.fmt)

        rendered = re.sub(r"%([1-9])", value, level.text).strip()
        if not rendered:
            return ""
        return rendered if level.suffix == "nothing" else rendered + " "


def _read_level(lvl) -> _Level:
    level = _Level()
    fmt = lvl.find(W + "numFmt")
    if fmt is not None:
        level.fmt = fmt.get(_VAL, "decimal")
    text = lvl.find(W + "lvlText")
    if text is not None:
        level.text = text.get(_VAL, "")
    start = lvl.find(W + "start")
    if start is not None:
        level.start = _int_val(start, 1)
    restart = lvl.find(W + "lvlRestart")
    if restart is not None:
        level.restart = _int_val(restart, 0)
    legal = lvl.find(W + "isLgl")
    level.legal = legal is not None and legal.get(_VAL, "1") not in ("0", "false", "off")
    suffix = lvl.find(W + "suff")
    if suffix is not None:
        level.suffix = suffix.get(_VAL, "tab")
    style = lvl.find(W + "pStyle")
    if style is not None:
        level.style = style.get(_VAL)
    return level


def _int_val_attr(element, attribute: str) -> int:
    try:
        return int(element.get(attribute, "0"))
    except ValueError:
        return 0


def _style_num_id(styles, style_id: str) -> str | None:
    if styles is None:
        return None
    for style in styles.findall(W + "style"):
        if style.get(W + "styleId") == style_id:
            num_id = style.find(f"{W}pPr/{W}numPr/{W}numId")
            return num_id.get(_VAL) if num_id is not None else None
    return None


_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * ((n - 1) // 26 + 1)  # Word: a..z, aa..zz
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and 0 < n < 4000:
        out, rest = "", n
        for value, numeral in _ROMAN:
            while rest >= value:
                out, rest = out + numeral, rest - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)
