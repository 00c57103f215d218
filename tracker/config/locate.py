"""Finds the line of a key in a TOML text.

tomllib returns plain dicts without positions, so a validation error on
`units[3].name` could not name its line; this small scanner recovers it for the
simple layout ward files use (tables, arrays of tables, key = value lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def line_of(text: str, location: Sequence[str | int]) -> int | None:
    """The 1-based line where `location` (as pydantic reports it) is written, or the nearest table."""
    table_lines: dict[tuple[str | int, ...], int] = {}
    key_lines: dict[tuple[str | int, ...], int] = {}
    array_counts: dict[str, int] = {}
    current: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY_HEADER.match(line):
            name = match.group(1)
            index = array_counts.get(name, -1) + 1
            array_counts[name] = index
            current = (*name.split("."), index)
            table_lines[current] = number
        elif match := _TABLE_HEADER.match(line):
            current = tuple(match.group(1).split("."))
            table_lines[current] = number
        elif match := _KEY_LINE.match(line):
            key_lines[(*current, match.group(1))] = number
    path = tuple(location)
    while path:
        if path in key_lines:
            return key_lines[path]
        if path in table_lines:
            return table_lines[path]
        path = path[:-1]
    return None
