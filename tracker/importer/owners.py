"""Who must act, as Vietnamese directives name them: "Phòng Kinh tế, Hạ tầng và Đô thị", "Trưởng Công an
phường" (a title stands for its unit), "Chủ tịch UBND các phường Bến Nghé, Bến Thành" (a shared prefix:
one owner per name), "giám đốc các sở, ban, ngành" (every unit), "UBND các huyện, thị xã, thành phố" (a
named group, kept whole).

The grammar works on `low`, the text lower-cased by `normalise` (same length as the text), and returns
spans of the text as written. An owner phrase starts with an organisation word (phòng, sở, ban, UBND,
công an, trung tâm ...), optionally after a title and a quantifier, and ends where the verb of what it
must do begins ("chủ trì", "phối hợp", "khẩn trương", "có trách nhiệm" ...)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tracker.importer import directive_words as vocab
from tracker.importer.deadline_grammar import normalise as _normalise
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, UnitRef
from tracker.names import fold


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The deadline grammar's lower-casing (same length as `text`), remembered: owner phrases and their
    pieces are lower-cased over and over while a list is split and resolved."""
    return _normalise(text)


@dataclass
class OwnerPhrase:
    """An owner phrase found at a position: its span in the text, the owners it names (one per unit,
    '*' for every unit), and whether it names a person rather than a unit ("đồng chí Tiến - PCT")."""

    start: int
    end: int
    owners: list[UnitRef]
    person: bool = False
    titled: bool = False  # named by a leader's title: "Chủ tịch UBND xã X", "Giám đốc Sở Y"


def ends_with_owner_word(low: str) -> bool:
    """Whether `low` ends with an organisation word ("phối hợp các Sở", "UBND các huyện"): a colon after it
    opens a list of names, not a list of tasks."""
    return re.search(rf"(?<!\w)(?:{vocab.QUANTIFIER})?(?:{vocab.HEAD})\s*$", low) is not None


def starts_with_owner(low: str, pos: int) -> bool:
    """Whether an organisation word (after an optional title and quantifier) begins at `pos`."""
    return vocab.HEAD_AT.match(low, pos) is not None


def read_owner(text: str, low: str, pos: int, units: UnitDirectory) -> OwnerPhrase | None:
    """The owner phrase that begins at `pos` (spaces skipped), or None when none begins there."""
    while pos < len(low) and low[pos] in " ,":
        pos += 1
    if vocab.PERSON.match(low, pos):
        end = _phrase_end(text, low, vocab.PERSON.match(low, pos).end(), units)  # type: ignore[union-attr]
        return OwnerPhrase(pos, end, [], person=True)
    if not vocab.HEAD_AT.match(low, pos):
        return None
    end = _phrase_end(text, low, pos, units)
    written = text[pos:end].strip(" ,")
    if _too_long_for_a_name(written):
        return None
    titled = vocab.TITLE_AT.match(low, pos) is not None
    if low.startswith(":", pos + len(written)) and _is_bare_kind(written):
        # "các phòng: Văn hóa - Xã hội, Kinh tế, Hạ tầng và Đô thị" names its units after the colon.
        names_at = pos + len(written) + 1
        names_end = _phrase_end(text, low, names_at, units)
        owners = named_list(written, text[names_at:names_end], units)
        if owners:
            return OwnerPhrase(pos, names_end, owners, titled=titled)
    return OwnerPhrase(pos, pos + len(written), split_owners(written, units), titled=titled)


def _too_long_for_a_name(written: str) -> bool:
    # A unit's name runs to a dozen words at most ("Ban Quản lý dự án đầu tư xây dựng khu vực phường X");
    # a longer run without a comma, "và" or brackets is a sentence the grammar misread.
    plain = re.sub(r"\([^()]*\)", " ", written)
    return any(len(piece.split()) > 12 for piece in re.split(r",|\svà\s", plain))


def named_list(head: str, names: str, units: UnitDirectory) -> list[UnitRef]:
    """The units of "<head>: A, B và C" ("các Sở: Kế hoạch và Đầu tư, Xây dựng", "các phòng: Văn hóa - Xã
    hội, Kinh tế, Hạ tầng và Đô thị"), each named with the head's kind; a generic tail ("và các đơn vị
    liên quan") names nobody and is left out."""
    prefix = re.sub(r"(?i)(?<!\w)(?:các|những)\s+", "", _strip_title(head))
    prefix = prefix[:1].upper() + prefix[1:]
    parts = re.split(r"\s+và\s+(?=(?:các|những)\s)", names, maxsplit=1)
    pieces = [p.strip(" .") for p in re.split(r"\s*,\s*", parts[0]) if p.strip(" .")]
    found: list[UnitRef] = []
    index = 0
    while index < len(pieces):
        # The longest run of pieces that, with the head's kind, is one of the ward's units.
        for end in range(len(pieces), index, -1):
            name = ", ".join(pieces[index:end])
            ref = units.resolve(name if starts_with_owner(normalise(name), 0) else f"{prefix} {name}")
            if ref.unit is not None or end == index + 1:
                break
        if not is_generic(name) and "liên quan" not in normalise(name):
            found.append(ref)
        index = end
    return found


def _is_bare_kind(written: str) -> bool:
    """"các phòng", "các Sở", "UBND các huyện": a kind of unit with no name, which a colon then lists."""
    words = [w for w in fold(written).split() if w not in ("cac", "nhung", "ubnd", "uy", "ban", "nhan", "dan")]
    kinds = vocab.LEVELS | {"phong", "so", "ban", "nganh", "don", "vi", "co", "quan", "trung", "tam", "doi", "to"}
    return bool(words) and all(w in kinds for w in words) or fold(written) in ("cac ban", "cac uy ban")


def verb_at(low: str, pos: int) -> bool:
    """Whether a verb of action begins at `pos` (spaces and a few adverbs skipped)."""
    while pos < len(low) and low[pos] == " ":
        pos += 1
    return vocab.STRONG_AT.match(low, pos) is not None or vocab.WEAK_AT.match(low, pos) is not None


def _phrase_end(text: str, low: str, pos: int, units: UnitDirectory) -> int:
    # A name of the ward's own units is taken whole first: "Phòng Kinh tế, Hạ tầng và Đô thị".
    title = vocab.TITLE_AT.match(low, pos)
    name_pos = title.end() if title else pos
    known = units.name_at(text[name_pos:])
    if known and _name_ends_at(text, low, name_pos + len(known)):
        return name_pos + len(known)
    tokens = list(vocab.TOKEN.finditer(low, pos, min(len(low), pos + 600)))[:vocab.MAX_TOKENS]
    depth = 0
    for index, token in enumerate(tokens):
        word, at = token.group(0), token.start()
        if word in "([":
            depth += 1
            continue
        if word in ")]":
            depth = max(depth - 1, 0)
            continue
        if depth:
            continue
        if word in ".;:!?\"“”'":
            return at
        if index == 0:
            continue
        if word == "," or word == "và":
            if index + 1 < len(tokens) and not _continues_list(text, low, tokens[index + 1].start()):
                return at
            continue
        if low.startswith(("có liên quan", "liên quan"), at):
            continue  # "các cơ quan, đơn vị có liên quan và UBND các xã"
        if vocab.STRONG_AT.match(low, at) or vocab.STOP_AT.match(low, at):
            return at
        # "tổ chức chính trị - xã hội" is a kind of body, not the verb "tổ chức".
        weak = vocab.WEAK_AT.match(low, at) and not vocab.HEAD_AT.match(low, at)
        if weak and _weak_verb_ends(text, low, tokens, index):
            return at
    return tokens[-1].end() if tokens else pos


def _name_ends_at(text: str, low: str, at: int) -> bool:
    """Whether a known unit's name really ends at `at`: what follows is a verb, a stop word or punctuation,
    not more name ("Công an" in "Công an TP" is the city's police, not the ward's)."""
    rest = low[at:].lstrip()
    at = len(low) - len(rest)
    if not rest or rest[0] in ".;:!?()\"“”'":
        return True
    if rest[0] == "," or rest.startswith("và "):
        return False
    return bool(vocab.STRONG_AT.match(low, at) or vocab.WEAK_AT.match(low, at) or vocab.STOP_AT.match(low, at))


def _continues_list(text: str, low: str, at: int) -> bool:
    """After a comma or "và": another owner (an organisation word, a title, a name, a number) follows."""
    if vocab.ANY_HEAD_AT.match(low, at) or vocab.STRONG_AT.match(low, at) is None and text[at].isupper():
        return True
    return text[at].isdigit()


def _right_after_kind(low: str, tokens: list[re.Match[str]], index: int) -> bool:
    """Whether token `index` comes right after the organisation word that opens a name ("Ban | Quản lý",
    "Đội | quản lý trật tự"), at the start of the phrase or of a list item, for the kinds of unit whose
    names are made that way; not after a trailing level word ("Công an phường | chỉ đạo") nor after a
    body that acts ("các chi bộ | tổ chức sinh hoạt")."""
    for start in range(index - 1, -1, -1):
        if start == 0 or tokens[start - 1].group(0) in (",", "và"):
            head = vocab.ANY_HEAD_AT.match(low, tokens[start].start())
            return (head is not None and low[head.end():tokens[index].start()].strip() == ""
                    and vocab.NAMED_BY_FUNCTION.search(head.group(0)) is not None)
    return False


def _weak_verb_ends(text: str, low: str, tokens: list[re.Match[str]], index: int) -> bool:
    at = tokens[index].start()
    if text[at].isupper() or _right_after_kind(low, tokens, index):
        return False
    if not vocab.DOMAIN_WORDS.match(low, at):
        return True
    # "Tổ Thanh tra xây dựng tiến hành", "Địa chính xây dựng, Tổ Thanh tra ...": a name goes on into a verb
    # or into the next owner of a list; "Phòng A xây dựng kế hoạch ..." does not.
    ahead = [t for t in tokens[index + 2 : index + 4]]
    if ahead and ahead[0].group(0) == ",":
        return not (len(ahead) > 1 and vocab.ANY_HEAD_AT.match(low, ahead[1].start()))
    return not (ahead and vocab.STRONG_AT.match(low, ahead[0].start()))


def split_owners(written: str, units: UnitDirectory) -> list[UnitRef]:
    """The owners named by an owner phrase as written: titles dropped, every-unit phrases as '*', named
    groups of levels kept whole, shared-prefix lists expanded, each resolved against the ward's units."""

    written = _strip_title(written)
    low = normalise(written)
    owners: list[UnitRef] = []
    segments = _split_on(written, low, rf"\s+và\s+(?={vocab.TITLE}\s|{vocab.QUANTIFIER}|(?:{vocab.HEAD})(?!\w))")
    for segment in _merge_known(segments, units, " và "):
        owners.extend(_segment_owners(segment, units))
    unique: list[UnitRef] = []
    for owner in owners:
        if all(owner.text != u.text or owner.unit != u.unit for u in unique):
            unique.append(owner)
    return unique


def _segment_owners(segment: str, units: UnitDirectory) -> list[UnitRef]:

    segment = _strip_title(segment)
    if not segment:
        return []
    if is_generic(segment):
        return [UnitRef(segment, ALL_UNITS)]
    whole = units.resolve(segment)
    if whole.unit is not None:
        return [whole]
    low = normalise(segment)
    pieces = _merge_groups(_merge_known(_split_on(segment, low, r"\s*,\s*"), units))
    if len(pieces) == 1 or _is_group_of_levels(segment):
        return [_resolved(segment, units)]
    prefix = _shared_prefix(pieces[0])
    owners = [_resolved(pieces[0], units)]
    for piece in _names_joined_by_and(pieces[1:]):
        own = _strip_title(piece)
        if starts_with_owner(normalise(own), 0):
            prefix = _shared_prefix(own)  # "Sở NN&PTNT, các huyện Chương Mỹ, Đan Phượng": a new list
            owners.append(_resolved(own, units))
        else:
            owners.append(_resolved(f"{prefix} {own}" if prefix else own, units))
    return [_without_plural(o, units) for o in owners]


def _names_joined_by_and(pieces: list[str]) -> list[str]:
    """The last names of a list joined by "và" split apart when both sides are proper names ("Sóc Sơn và
    Thanh Trì"); a name with "và" inside ("Tài nguyên và Môi trường") keeps it."""
    out: list[str] = []
    for piece in pieces:
        parts = re.split(r"\s+và\s+", piece)
        if len(parts) == 2 and all(_proper_name(p) for p in parts):
            out.extend(parts)
        else:
            out.append(piece)
    return out


def _proper_name(text: str) -> bool:
    words = re.sub(r"\(.*?\)", "", text).split()
    return 0 < len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words)


def _merge_groups(pieces: list[str]) -> list[str]:
    """"UBND các huyện, thị xã, thành phố" and "các Sở, ngành tỉnh" are one group each: a bare level or a
    bare kind of unit after such a piece belongs to it."""
    merged: list[str] = []
    for piece in pieces:
        words = fold(piece).split()
        if merged and words and _joins_group(fold(merged[-1]).split(), words):
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    return merged


def _joins_group(previous: list[str], words: list[str]) -> bool:
    if "cac" in previous and all(w in vocab.LEVELS for w in words):
        return True
    return is_generic(" ".join(previous)) and words[0] in ("ban", "nganh", "don", "co", "phong", "so")


def _merge_known(pieces: list[str], units: UnitDirectory, joiner: str = ", ") -> list[str]:
    """Pieces joined back where together they are one unit's name with a comma in it ("Phòng Kinh tế,
    Hạ tầng và Đô thị")."""
    merged: list[str] = []
    index = 0
    while index < len(pieces):
        for end in range(len(pieces), index + 1, -1):
            joined = joiner.join(pieces[index:end])
            if units.resolve(joined).unit is not None:
                merged.append(joined)
                index = end
                break
        else:
            merged.append(pieces[index])
            index += 1
    return merged


def _resolved(written: str, units: UnitDirectory) -> UnitRef:
    written = written.strip(" ,;.-–")
    if is_generic(written):
        return UnitRef(written, ALL_UNITS)
    return units.resolve(written)


def _without_plural(owner: UnitRef, units: UnitDirectory) -> UnitRef:
    # "các phường Bến Nghé" → "phường Bến Nghé": the quantifier belonged to the list, not to each name.
    if owner.unit is not None or "," in owner.text:
        return owner
    text = re.sub(r"(?i)\b(các|từng)\s+", "", owner.text, count=1)
    return owner if text == owner.text else units.resolve(text)


def _strip_title(text: str) -> str:

    text = text.strip(" ,;.-–")
    match = vocab.TITLE_AT.match(normalise(text))
    return text[match.end():].strip() if match else text


def _split_on(text: str, low: str, pattern: str) -> list[str]:
    # Split outside parentheses only: "xã Thụy Hương (Chương Mỹ), Song Phượng (Đan Phượng)".
    pieces, start, depth = [], 0, 0
    splitter = re.compile(pattern)
    pos = 0
    while pos < len(low):
        char = low[pos]
        depth += char == "("
        depth -= char == ")" and depth > 0
        match = splitter.match(low, pos) if not depth else None
        if match and match.end() > pos:
            pieces.append(text[start:pos])
            start = pos = match.end()
            continue
        pos += 1
    pieces.append(text[start:])
    return [p.strip(" ,;") for p in pieces if p.strip(" ,;")]


def _shared_prefix(first: str) -> str:
    """The words before the first name in a list's first piece: "UBND các phường Bến Nghé" → "UBND
    phường"; "" when the piece is all organisation words."""
    words = first.split()
    for index, word in enumerate(words[1:], start=1):
        if word[:1].isupper() or word[:1].isdigit():
            prefix = [w for w in words[:index] if w.lower() not in ("các", "từng")]
            return " ".join(prefix)
    return ""


def _is_group_of_levels(segment: str) -> bool:
    """"UBND các huyện, thị xã, thành phố": a group named by levels only, one owner."""
    words = fold(segment).split()
    body = [w for w in words if w not in ("ubnd", "uy", "ban", "nhan", "dan")]
    return bool(body) and "cac" in body and all(w in vocab.LEVELS for w in body)


def _generic_start(words: list[str]) -> bool:
    return bool(words) and words[0] in ("cac", "tung", "tat", "toan", "moi")


def is_generic(text: str) -> bool:
    """Whether a phrase addresses every unit ("các phòng, ban, ngành", "từng cơ quan, ban, ngành",
    "các bộ phận chuyên môn liên quan", "các đơn vị") rather than naming one."""
    key = fold(_strip_title(text) if text else text)
    words = key.split()
    if not _generic_start(words):
        return False
    # A short unknown word is a typo or an abbreviation of a level ("ngành tnh"), not a name.
    known = [w for w in words if w in vocab.GENERIC_WORDS or len(w) <= 3 and not w.isdigit()]
    return len(known) == len(words) and vocab.GENERIC_CORE.search(key) is not None
