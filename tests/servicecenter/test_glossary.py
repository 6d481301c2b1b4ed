"""The glossary's "not to use" words (docs/glossary.md, the table's last column) appear nowhere
a Swedish reader sees them: not in the Swedish catalogue, not in a taxonomy label, not in an
indicator's name or definition. A word is matched whole and in any case, so "uppgift" does not
match "personuppgifter"."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

from indicators.definitions import INDICATORS
from tests.servicecenter.po import ROOT, catalogue
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpMode,
    Language,
    Outcome,
    Provider,
    TaxonomyEntry,
)

GLOSSARY = ROOT / "docs" / "glossary.md"
NOT_TO_USE = "not to use (sv)"


def table_rows(path: Path) -> list[list[str]]:
    """The cells of the glossary's table, header first; the |---| line left out."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue
        rows.append(cells)
    return rows


def words_not_to_use(path: Path = GLOSSARY) -> list[tuple[str, str]]:
    """Each word of the last column with the concept (first column) it belongs to."""
    header, *rows = table_rows(path)
    assert header[-1] == NOT_TO_USE, f"The glossary's last column is not {NOT_TO_USE!r}"
    words = []
    for row in rows:
        assert len(row) == len(header), f"A glossary row has {len(row)} cells: {row}"
        cell = re.sub(r"\([^)]*\)", "", row[-1])  # a note in brackets is not a word
        words += [(word.strip(), row[0]) for word in cell.split(",") if word.strip()]
    return words


def whole_word(word: str) -> re.Pattern[str]:
    """The word on its own, in any case; the spaces of a phrase match any white space."""
    body = r"\s+".join(re.escape(part) for part in word.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def hits(texts: Iterator[tuple[str, str]]) -> list[str]:
    """Where each word not to use occurs among (where, text) pairs."""
    patterns = [(word, concept, whole_word(word)) for word, concept in words_not_to_use()]
    found = []
    for where, text in texts:
        for word, concept, pattern in patterns:
            if pattern.search(text):
                found.append(f"{word!r} (glossary: {concept}) in {where}: {text!r}")
    return found


def swedish_catalogue() -> Iterator[tuple[str, str]]:
    for entry in catalogue("sv").values():
        for string in entry.strings:
            yield f"locale/sv msgstr of {entry}", string


def taxonomy_labels() -> Iterator[tuple[str, str]]:
    for model in apps.get_models():
        if issubclass(model, TaxonomyEntry):
            for code, label in model.objects.values_list("code", "label_sv"):
                yield f"{model.__name__} {code!r} label_sv", label


def indicator_texts() -> Iterator[tuple[str, str]]:
    for code, indicator in INDICATORS.items():
        yield f"indicator {code!r} label_sv", indicator.label_sv
        yield f"indicator {code!r} definition_sv", indicator.definition_sv


def test_the_glossary_table_lists_words_not_to_use():
    words = [word for word, _concept in words_not_to_use()]
    # A reformatted glossary that yields no words would let everything pass.
    assert len(words) >= 10
    assert {"uppgift", "enhet", "utfall", "ej", "t.ex.", "Samma igen"} <= set(words)
    assert not any("(" in word or ")" in word or "|" in word for word in words)


@pytest.mark.parametrize(
    ("word", "text", "matches"),
    [
        ("uppgift", "Skriv inga personuppgifter.", False),
        ("uppgift", "Uppgift 2: välj e-tjänst.", True),
        ("enhet", "Saknar enhet", True),
        ("enhet", "Funktionsnedsättning och enheten", False),
        ("ej", "Ej angivet", True),
        ("ej", "Nej", False),
        ("t.ex.", "till exempel, t.ex. BankID", True),
        ("t.ex.", "tex", False),
        ("Samma igen", "Samma  igen", True),
        ("Vägledd", "Vägledde", False),
    ],
)
def test_a_word_is_matched_whole_and_in_any_case(word, text, matches):
    assert bool(whole_word(word).search(text)) is matches


def test_the_swedish_catalogue_uses_none_of_the_words_not_to_use():
    found = hits(swedish_catalogue())
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_no_taxonomy_label_uses_a_word_not_to_use():
    taxonomies = {model for model in apps.get_models() if issubclass(model, TaxonomyEntry)}
    expected = {EService, Provider, HelpMode, Outcome, Barrier, Channel, AgeBand, Language}
    assert taxonomies >= expected
    found = hits(taxonomy_labels())
    assert not found, "\n".join(found)


def test_no_indicator_name_or_definition_uses_a_word_not_to_use():
    found = hits(indicator_texts())
    assert not found, "\n".join(found)
