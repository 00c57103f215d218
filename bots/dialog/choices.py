"""Buttons on channels that have none: shown as numbered choices, answered with a number or the words."""

from __future__ import annotations

from bots.messages import Button, Reply
from tracker.names import fold
from tracker.usecases.conversations import PressedButton


def flat(reply: Reply) -> list[Button]:
    """The reply's buttons row by row, left to right: the order their numbers follow."""
    return [button for row in reply.buttons for button in row]


def numbered_text(reply: Reply) -> str:
    """The reply's text followed by its buttons as numbered choices, for a channel without buttons (Zalo):
    "Trả lời 1 = Có, 2 = Chưa, 3 = Thoát." Buttons labelled with their own number (a numbered task list
    whose lines the text already shows) are summed up as "số 1–5 để chọn". A reply without buttons comes
    back as its text. The dialog understands the numbers (and the labels) typed back."""
    buttons = flat(reply)
    if not buttons:
        return reply.text
    own = [n for n, b in enumerate(buttons, 1) if b.label == str(n)]
    parts = []
    if own:
        parts.append(f"số {own[0]}–{own[-1]} để chọn" if len(own) > 1 else f"số {own[0]} để chọn")
    parts += [f"{n} = {b.label}" for n, b in enumerate(buttons, 1) if b.label != str(n)]
    return f"{reply.text}\n\nTrả lời {', '.join(parts)}."


def typed_choice(text: str, shown: list[PressedButton]) -> PressedButton | None:
    """The shown button that typed `text` means: its number (1-based, in the order shown), its label, or
    one of its `words`, compared without diacritics or case ("co", "Có", "đồng ý"). None otherwise."""
    answer = text.strip().rstrip(".!")
    if answer.isdigit():
        number = int(answer)
        return shown[number - 1] if 1 <= number <= len(shown) else None
    key = fold(answer)
    if not key:
        return None
    for button in shown:
        words = {fold(button.label), *(fold(w) for w in button.payload.get("words", []))}
        if key in words:
            return button
    return None
