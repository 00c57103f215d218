"""Directives written as prose: "Giao Phòng A chủ trì, phối hợp với Công an phường rà soát ...; hoàn thành
trước ngày 20/6/2025.", "Chủ tịch UBND phường yêu cầu Trưởng Công an phường ...", "Sở Nội vụ được giao
...", a lead-in that names the owner or the period of the list under it ("đề nghị 18 tổ dân phố thực hiện
một số nội dung sau:", "nhiệm vụ tháng 11: ..."), and meeting reports with the conclusions in one long
paragraph.

An assignment is found by its cue: the object of giao / yêu cầu / đề nghị / ủy quyền, or an owner that
opens a clause and is followed by what it must do (in a directive's context, or with an obligation word:
cần, phải, có trách nhiệm, được giao). A task is one clause per owner; praise, findings, the issuer's own
intentions ("UBND phường sẽ ..."), tasks of named persons and dates cited as references are not tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.importer import directive_words as vocab
from tracker.importer.deadline_grammar import normalise
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import Deadline, ParsedTask, UnitRef
from tracker.importer.owners import OwnerPhrase, ends_with_owner_word, read_owner, verb_at
from tracker.importer.partners import partner_spans
from tracker.importer.prose_tasks import Clause, Dating, make_tasks, number_tasks, without_restatements
from tracker.names import fold

MAX_SENTENCE = 3000
# Words of zeal: a clause made of nothing else gives no task ("nghiêm túc triển khai thực hiện").
_EXHORTATION_WORDS = {
    "nghiem", "tuc", "thuc", "hien", "trien", "khai", "tot", "quan", "triet", "chu", "dong", "khan", "truong",
    "to", "chuc", "theo", "dung", "quy", "dinh", "noi", "tren", "cac", "nhiem", "vu", "duoc", "giao", "hieu",
    "qua", "co", "trach", "day", "du", "kip", "thoi", "can", "cu", "nang", "va", "phoi", "hop", "chat", "che",
    "ve", "viec", "nay", "tiep", "cung", "thuoc", "ubnd", "phuong", "xa", "uy", "ban", "nhan", "dan",
}


@dataclass
class Scope:
    """A directive list's lead-in: the owner and the period it gives the items under it."""

    owners: list[UnitRef] = field(default_factory=list)
    period: Deadline | None = None
    spoken: bool = False  # said by a leader or a meeting: its items bind even without an owner
    heading: bool = False  # a unit's name standing alone ("1. Phòng Văn hóa - Xã hội"): it lasts until the next


def parse_prose_tasks(text: str, *, units: UnitDirectory, dating: Dating, directive: bool = False
                      ) -> list[ParsedTask]:
    """The tasks of a directive written as prose, numbered in reading order ("1", "2", "2a" ...).
    `directive` says the document declares itself one (a notice of conclusions, a letter assigning
    tasks): a unit that opens a sentence with what it does is then an owner throughout. Never raises on
    any text; gives [] for a text that assigns nothing."""
    tasks: list[ParsedTask] = []
    scope: Scope | None = None
    directed = False
    for marked, paragraph in _paragraphs(text):
        if (heading := _heading(paragraph, units)) is not None:
            scope = heading
            continue
        if scope is not None and (not marked and not scope.heading or scope.heading and _ends_heading(paragraph)):
            scope = None
        # Elsewhere a directive's context lasts for its paragraph and the numbered items after it.
        directed = directive or (directed and marked)
        if scope is not None and (marked or scope.heading) and _split_lead_in(paragraph, units)[0] is None:
            # A bullet is one task, however long; under a unit's heading a paragraph is one too.
            tasks += _item_tasks(paragraph, scope, units, dating, bare=marked and not scope.heading or directive)
            continue
        sentences = _sentences(paragraph)
        inline = False  # the rest of a paragraph after a lead-in's colon is its list
        for index, sentence in enumerate(sentences):
            lead, items = _split_lead_in(sentence, units)
            if lead is not None:
                directed, inline = True, True
                scope = _scope(lead, units, dating)
                tasks += _list_items(items, scope, units, dating)
            elif scope is not None and (marked or inline):
                tasks += _list_items(sentence, scope, units, dating, bare=False)
            else:
                clauses = _clauses(sentence, units, directed)
                directed = directed or bool(clauses)
                follow = sentences[index + 1] if index + 1 < len(sentences) else ""
                for clause in clauses:
                    tasks += make_tasks(clause, units, dating, follow=follow)
    tasks = without_restatements(tasks)
    number_tasks(tasks)
    return tasks


def _heading(paragraph: str, units: UnitDirectory) -> Scope | None:
    """A paragraph that only names units ("1. Phòng Văn hóa - Xã hội:", "Công an phường, Ban CHQS phường")
    heads what follows, as the numbered sections of a notice do."""
    name = paragraph.strip()
    if not name or len(name) > 150 or name.endswith("."):
        return None  # "Công an thành phố." is the end of a sentence a page break cut, not a heading
    name = name.rstrip(":").strip()
    low = normalise(name)
    phrase = read_owner(name, low, 0, units)
    if phrase is None or phrase.person or not phrase.owners or phrase.end < len(name):
        return None
    return Scope(owners=phrase.owners, spoken=True, heading=True)


def _ends_heading(paragraph: str) -> bool:
    """A short line that is no task ("3. Về công tác quân sự") closes the section a unit's name opened."""
    return len(paragraph.split()) <= 12 and not verb_at(normalise(paragraph), 0) and not paragraph.endswith(".")


def _paragraphs(text: str) -> list[tuple[bool, str]]:
    """(whether it is a list item, its text without the marker), lines of a block joined where a
    sentence runs on."""
    paragraphs: list[tuple[bool, str]] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        for line in lines:
            marker = vocab.MARKER.match(line)
            body = line[marker.end():] if marker else line
            if paragraphs and not marker and _runs_on(paragraphs[-1][1], body):
                paragraphs[-1] = (paragraphs[-1][0], f"{paragraphs[-1][1]} {body}")
            else:
                paragraphs.append((marker is not None, body))
    return paragraphs


def _runs_on(before: str, after: str) -> bool:
    return bool(before) and before[-1] not in ".:;!?…”\"" and after[:1].islower()


def _sentences(paragraph: str) -> list[str]:
    pieces, start = [], 0
    for match in vocab.SENTENCE_END.finditer(paragraph):
        candidate = paragraph[start:match.start()].strip()
        if vocab.ABBREVIATION.search(candidate[-12:]):
            continue  # "TP. Vũng Tàu", "H. Hóc Môn"
        if candidate:
            pieces.extend(_bounded(candidate))
        start = match.end()
    if paragraph[start:].strip():
        pieces.extend(_bounded(paragraph[start:].strip()))
    return pieces


def _bounded(sentence: str) -> list[str]:
    """A sentence longer than any a person writes (a run-on page, a hostile file) cut at ';' and then at
    MAX_SENTENCE characters, so that reading it costs no more than reading its pieces."""
    if len(sentence) <= MAX_SENTENCE:
        return [sentence]
    pieces: list[str] = []
    for part in sentence.split(";"):
        while part:
            if pieces and len(pieces[-1]) + len(part) + 1 <= MAX_SENTENCE:
                pieces[-1] = f"{pieces[-1]};{part}"
            else:
                pieces.append(part[:MAX_SENTENCE])
            part = part[MAX_SENTENCE:] if len(part) > MAX_SENTENCE else ""
    return [p.strip() for p in pieces if p.strip()]


def _split_lead_in(sentence: str, units: UnitDirectory) -> tuple[str | None, str]:
    """A lead-in ("... yêu cầu:", "... thực hiện một số nội dung sau:", or a unit's name alone: "Trung tâm
    Phục vụ hành chính công: tiếp tục ...") and what follows its colon."""
    colon = sentence.find(":")
    if colon < 0:
        return None, ""
    lead = sentence[:colon]
    low = normalise(lead)
    named = read_owner(lead, low, 0, units)
    if named is not None and named.owners and not named.person and named.end >= len(lead.rstrip()):
        return lead, sentence[colon + 1:].strip()
    if not vocab.LEAD_IN_WORDS.search(low) or vocab.NOT_A_LEAD_IN.search(low):
        return None, ""
    if ends_with_owner_word(low):
        return None, ""  # "phối hợp các Sở: Kế hoạch và Đầu tư, Xây dựng" lists names
    # A report's "Kế hoạch ... thành phố giao 244 triệu đồng, gồm:" is no lead-in: the directive word must
    # close it ("... yêu cầu:", "... thực hiện một số nội dung sau:", "kết luận một số nhiệm vụ ...:").
    if not vocab.LEAD_IN_END.search(low) or not vocab.LEAD_IN_WORDS.search(low[-100:]):
        return None, ""
    return lead, sentence[colon + 1:].strip()


def _scope(lead: str, units: UnitDirectory, dating: Dating) -> Scope:
    """The owner the lead-in names (the last cue's object; no verb needed: "Giao trách nhiệm cho từng cơ
    quan, ban, ngành, ... yêu cầu:"; or the unit the lead-in is) and its period ("nhiệm vụ tháng 11",
    "trong tháng 9/2020")."""
    low = normalise(lead)
    named = read_owner(lead, low, 0, units)
    owners: list[UnitRef] = named.owners if named and not named.person and named.end >= len(lead.rstrip()) else []
    for cue in vocab.OBJECT_CUE.finditer(low):
        if vocab.NOT_A_CUE_BEFORE.search(low, 0, cue.start()) or cue.group("sent"):
            continue
        phrase = read_owner(lead, low, cue.end(), units)
        if phrase is not None and not phrase.person and phrase.owners:
            owners = phrase.owners
    period = dating.find(lead)
    if period is None and (named := vocab.PERIOD.search(low)):
        period = dating.parse(lead[named.start(1):named.end(1)])
    return Scope(owners=owners, period=period if period is None or period.kind != "none" else None,
                 spoken=vocab.SPEAKER.search(low) is not None)


def _list_items(items: str, scope: Scope, units: UnitDirectory, dating: Dating, *, bare: bool = True
                ) -> list[ParsedTask]:
    """The ';'-separated items of a lead-in's inline list. `bare` is whether an item that names no owner
    and opens with no verb still counts (right after the colon it does; in later sentences it does not:
    "Năm 2021 tới đây là năm đầu ..." is a remark)."""
    tasks: list[ParsedTask] = []
    for sentence in _sentences(items):
        for item in (i.strip() for i in sentence.split(";")):
            if len(item.split()) >= 3:
                tasks += _item_tasks(item, scope, units, dating, bare=bare)
    return tasks


def _item_tasks(item: str, scope: Scope, units: UnitDirectory, dating: Dating, *, bare: bool = True
                ) -> list[ParsedTask]:
    """One list item: its own assignments if it has any (and its owner then leads the items after it),
    else one task for the lead-in's owner."""
    clauses = _clauses(item, units, directed=True)
    if clauses:
        scope.owners = clauses[-1].owners
        return [t for c in clauses for t in make_tasks(c, units, dating, period=scope.period)]
    low = normalise(item)
    if (not bare and not verb_at(low, 0)) or vocab.REPORTED.match(low) or not (scope.owners or scope.spoken):
        return []
    owners = scope.owners or [UnitRef("", None)]
    return make_tasks(Clause(item, owners), units, dating, period=scope.period)


def _clauses(sentence: str, units: UnitDirectory, directed: bool) -> list[Clause]:
    """The assignments of a sentence: each from its cue to the next cue. A ';' part that names its own
    owner starts a clause of its own; one that does not goes on the clause before it."""
    low = normalise(sentence)
    starts: list[tuple[int, int, list[UnitRef]]] = []  # (clause start, owner phrase end, owners)
    for cue in vocab.OBJECT_CUE.finditer(low):
        phrase = _cue_owner(sentence, low, cue, units)
        if phrase is not None:
            starts.append((cue.start(), phrase.end, [] if phrase.person else phrase.owners))
    inside_partners = partner_spans(sentence, units)
    for at in _clause_openings(low):
        if any(s <= at < s + 3 for s, _, _ in starts) or any(s < at < e for s, e in inside_partners):
            continue
        phrase = _subject_owner(sentence, low, at, units, directed or bool(starts))
        if phrase is not None:
            starts.append((phrase.start, phrase.end, phrase.owners))
    starts.sort(key=lambda s: s[0])
    clauses = []
    for index, (start, owner_end, owners) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(sentence)
        text = sentence[start:end].strip(" ,;.")
        if owners and text and not vocab.BOILERPLATE.search(low, start, end) and not _exhortation(low[owner_end:end]):
            clauses.append(Clause(text, owners, start))
    return clauses


def _exhortation(action: str) -> bool:
    """"nghiêm túc thực hiện", "triển khai thực hiện tốt các nhiệm vụ được giao": words of zeal with nothing
    to do in them are no task."""
    words = fold(action).split()
    return bool(words) and all(w in _EXHORTATION_WORDS for w in words)


def _clause_openings(low: str) -> list[int]:
    openings = [0] + [m.end() for m in re.finditer(r";\s*", low)]
    return [at + (vocab.CONNECTOR.match(low[at:]).end() if vocab.CONNECTOR.match(low[at:]) else 0) for at in openings]


def _cue_owner(text: str, low: str, cue: re.Match[str], units: UnitDirectory) -> OwnerPhrase | None:
    if vocab.NOT_A_CUE_BEFORE.search(low, 0, cue.start()) or vocab.NOT_A_CUE_AFTER.match(low, cue.end()):
        return None
    if (meeting := vocab.MEETING.match(low, cue.end())) and text[meeting.start(1)].islower():
        return None
    if vocab.PETITIONER.search(low, max(0, cue.start() - 40), cue.start()):
        return None
    phrase = read_owner(text, low, cue.end(), units)
    if phrase is None or phrase.person:
        return phrase
    if cue.group("sent"):
        return phrase if phrase.owners and vocab.SENT_TO_ACT.match(low, phrase.end) else None
    if not phrase.owners or not _acts_after(low, phrase.end):
        return None
    return phrase


def _subject_owner(text: str, low: str, at: int, units: UnitDirectory, directed: bool) -> OwnerPhrase | None:
    """An owner opening a clause. Not when it is the one who directs ("UBND huyện giao ...", "UBND phường
    chỉ đạo ..."), narrates ("đã", "sẽ") or has no verb; accepted with an obligation word, with a title
    ("Chủ tịch UBND các phường A, B chủ động ..."), or in a directive's context."""
    phrase = read_owner(text, low, at, units)
    if phrase is None or phrase.person or not phrase.owners or vocab.NARRATION.match(low, phrase.end):
        return None
    if vocab.DIRECTS.match(low, phrase.end):
        return None
    if vocab.OBLIGATION.match(low, phrase.end):
        return phrase
    return phrase if (directed or phrase.titled) and _acts_after(low, phrase.end) else None


def _acts_after(low: str, end: int) -> bool:
    """Whether the owner is followed, within a few words and before any stop, by what it must do. A comma
    stops the search, except after a co-subject or a basis ("UBND các phường, cùng các đoàn thể ... làm
    tốt", "các phòng trên cơ sở chức năng, nhiệm vụ được giao chủ động ...")."""
    window = re.split(r"[.;:!?]", low[end:end + 100], maxsplit=1)[0]
    if not vocab.CROSSES_COMMA.match(window):
        window = window.split(",", 1)[0]
    words = list(re.finditer(r"\S+", window))[:12]
    return not vocab.NARRATION.match(low, end) and any(verb_at(low, end + w.start()) for w in words)
