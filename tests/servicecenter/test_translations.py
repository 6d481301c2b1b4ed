"""Every marked string is in both catalogues, Swedish is complete, and the compiled catalogues
are the ones in the repository."""

import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.servicecenter.po import LOCALE, ROOT, Entry, catalogue, parse

LANGUAGES = ("sv", "en")
# What `make messages` reads: Django's makemessages takes these extensions for the "django"
# domain, and skips hidden directories and the virtual environment.
SOURCE_EXTENSIONS = {".py", ".html", ".txt"}
SKIPPED_DIRECTORIES = {".venv", "locale", "node_modules", "staticfiles", "__pycache__"}


def copy_sources(destination: Path) -> None:
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            name
            for name in subdirectories
            if not name.startswith(".") and name not in SKIPPED_DIRECTORIES
        ]
        for name in files:
            if Path(name).suffix in SOURCE_EXTENSIONS:
                source = Path(directory, name)
                target = destination / source.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def marked_strings(tmp_path_factory) -> list[Entry]:
    """Every string the source marks for translation, extracted afresh by makemessages.

    It runs on a copy of the sources with a throwaway locale directory, so the repository's
    catalogues (and the temporary files makemessages writes beside templates) are untouched."""
    if shutil.which("xgettext") is None:
        message = "GNU gettext is not installed (apt-get install gettext): makemessages needs it."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    copy = tmp_path_factory.mktemp("source")
    copy_sources(copy)
    locale = copy / "locale"
    locale.mkdir()
    cwd = Path.cwd()
    try:
        os.chdir(copy)
        with override_settings(LOCALE_PATHS=[str(locale)]):
            call_command("makemessages", locale=["sv"], keep_pot=True, verbosity=0)
    finally:
        os.chdir(cwd)
    entries = parse((locale / "django.pot").read_text(encoding="utf-8"))
    assert len(entries) > 100, "makemessages found too few strings; did the copy miss sources?"
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue(marked_strings, language):
    entries = catalogue(language)
    missing = [str(entry) for entry in marked_strings if entry.key not in entries]
    assert not missing, (
        f"Marked for translation but not in locale/{language} (run `make messages`, then "
        f"translate): {', '.join(missing)}"
    )
    plurals = [str(entry) for entry in marked_strings if entries[entry.key].plural != entry.plural]
    assert not plurals, (
        f"The plural differs in locale/{language} (run `make messages`): {', '.join(plurals)}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_fuzzy(language):
    fuzzy = [str(entry) for entry in catalogue(language).values() if entry.fuzzy]
    assert fuzzy == []


def test_every_swedish_message_is_translated():
    missing = [str(entry) for entry in catalogue("sv").values() if not entry.translated]
    assert missing == []


def test_the_words_that_depend_on_grammatical_gender_have_a_context():
    swedish = catalogue("sv")
    assert swedish[("organisation kind", "Other")].strings == ["Annan"]
    assert swedish[("gender", "Other")].strings == ["Annat"]
    assert (None, "Other") not in swedish


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_holds_every_message(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue(language).values():
        if not entry.translated or entry.fuzzy:
            continue  # gettext falls back to the msgid: English
        if entry.plural is None:
            found = (
                compiled.pgettext(entry.context, entry.msgid)
                if entry.context
                else compiled.gettext(entry.msgid)
            )
            assert found == entry.strings[0], str(entry)
        else:
            for n, expected in ((1, entry.strings[0]), (2, entry.strings[1])):
                assert compiled.ngettext(entry.msgid, entry.plural, n) == expected, str(entry)


@pytest.mark.parametrize("placeholder", [r"%\(\w+\)[sd]", r"%s", r"%d"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(placeholder, language):
    for entry in catalogue(language).values():
        expected = set(re.findall(placeholder, entry.msgid))
        if entry.plural:
            expected |= set(re.findall(placeholder, entry.plural))
        for string in entry.strings:
            if string:
                assert set(re.findall(placeholder, string)) == expected, str(entry)
