"""A small reader of gettext catalogues (.po), enough for the translation tests.

An entry is keyed as gettext keys it: the context (msgctxt), if any, then the msgid. Obsolete
entries ("#~") and the header are left out.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")
_CONTINUATION = re.compile(r"^\s*(\".*\")\s*$")


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    strings: list[str] = field(default_factory=list)  # msgstr, or msgstr[0], msgstr[1], …
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.strings) and all(self.strings)

    def __str__(self) -> str:
        return f"{self.msgid!r}" + (f" (context {self.context!r})" if self.context else "")


def _unquote(literal: str) -> str:
    # A .po string is a C string literal; as a Python literal it reads the same for the
    # escapes gettext writes (\n, \t, \", \\).
    return ast.literal_eval(literal)


def parse(text: str) -> list[Entry]:
    entries = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        values: dict[str, str] = {}
        flags: set[str] = set()
        current = None
        for line in lines:
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := _KEYWORD.match(line):
                current = match.group(1)
                values[current] = _unquote(match.group(2))
            elif (match := _CONTINUATION.match(line)) and current:
                values[current] += _unquote(match.group(1))
        if not values.get("msgid"):
            continue  # the header, or a block of comments only
        plural = "msgid_plural" in values
        strings = (
            [values[key] for key in sorted(k for k in values if k.startswith("msgstr["))]
            if plural
            else [values.get("msgstr", "")]
        )
        entries.append(
            Entry(
                msgid=values["msgid"],
                context=values.get("msgctxt"),
                plural=values.get("msgid_plural"),
                strings=strings,
                flags=flags,
            )
        )
    return entries


def catalogue(language: str) -> dict[tuple[str | None, str], Entry]:
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    return {entry.key: entry for entry in parse(path.read_text(encoding="utf-8"))}
