"""Cutting a long message into parts a chat platform accepts: at line breaks where a part can end there,
else at spaces, else between the smallest units a word may be cut into. Shared by the Telegram adapter
(HTML, measured in UTF-16 code units) and the Zalo adapter (plain text, 2000 characters)."""

from __future__ import annotations

import re
from collections.abc import Callable

Size = Callable[[str], int]
# Plain text: a word may be cut between any two characters.
ONE_CHARACTER = re.compile(r".", re.DOTALL)


def split_text(text: str, limit: int, *, size: Size = len, atoms: re.Pattern[str] = ONE_CHARACTER) -> list[str]:
    """`text` in parts of at most `limit` as `size` measures. A part ends at a line break where one fits,
    else at a space, else between two `atoms` (a word longer than a part is the only thing ever cut
    inside); the line break or space cut at is dropped, so "\\n".join(parts) == text when every line
    fits. Parts holding only whitespace are left out (platforms refuse them). Raises ValueError for a
    limit below 1."""
    if limit < 1:
        raise ValueError("a part must hold at least one character")
    if size(text) <= limit:
        parts = [text]
    else:
        def words(line: str) -> list[str]:
            return _pack(line.split(" "), " ", limit, size, lambda word: _cut(word, limit, size, atoms))

        parts = _pack(text.split("\n"), "\n", limit, size, words)
    return [part for part in parts if part.strip()]


def _pack(pieces: list[str], joiner: str, limit: int, size: Size, too_long: Callable[[str], list[str]]) -> list[str]:
    # Greedy: as many whole pieces per part as fit; a piece longer than a part is cut by `too_long`.
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        piece_size = size(piece)
        if piece_size > limit:
            if current:
                parts.append(joiner.join(current))
                current, used = [], 0
            parts.extend(too_long(piece))
            continue
        added = piece_size + (size(joiner) if current else 0)
        if current and used + added > limit:
            parts.append(joiner.join(current))
            current, used = [piece], piece_size
        else:
            current.append(piece)
            used += added
    if current:
        parts.append(joiner.join(current))
    return parts


def _cut(word: str, limit: int, size: Size, atoms: re.Pattern[str]) -> list[str]:
    return _pack(atoms.findall(word), "", limit, size, lambda atom: list(atom))
