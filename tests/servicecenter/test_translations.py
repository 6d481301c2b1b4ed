"""Swedish is complete and the compiled catalogue is the one in the repository."""

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "sv" / "LC_MESSAGES"


def po_entries() -> list[tuple[str, list[str], bool]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        if "msgid " not in block:
            continue

        def joined(keyword: str, block: str = block) -> str:
            match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block + "\n", re.MULTILINE)
            if not match:
                return ""
            return "".join(re.findall(r'"(.*)"', match.group(1)))

        msgid = joined("msgid")
        if not msgid:
            continue  # the header
        strings = (
            [joined("msgstr")]
            if "msgid_plural" not in block
            else [
                joined(r"msgstr\[0\]"),
                joined(r"msgstr\[1\]"),
            ]
        )
        entries.append((msgid, strings, "#, fuzzy" in block or ", fuzzy" in block))
    return entries


def test_every_swedish_message_is_translated_and_none_is_fuzzy():
    missing = [msgid for msgid, strings, fuzzy in po_entries() if fuzzy or not all(strings)]
    assert missing == []


def test_the_compiled_swedish_catalogue_holds_every_message():
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for msgid, strings, _fuzzy in po_entries():
        if len(strings) == 1:
            expected = strings[0].encode().decode("unicode_escape").encode("latin-1").decode()
            assert (
                catalogue.gettext(
                    msgid.encode().decode("unicode_escape").encode("latin-1").decode()
                )
                == expected
            ), msgid


@pytest.mark.parametrize("placeholder", [r"%\(\w+\)[sd]", r"%s", r"%d"])
def test_translations_keep_every_placeholder(placeholder):
    for msgid, strings, _fuzzy in po_entries():
        expected = sorted(re.findall(placeholder, msgid))
        for string in strings:
            assert sorted(set(re.findall(placeholder, string))) == sorted(set(expected)), msgid
