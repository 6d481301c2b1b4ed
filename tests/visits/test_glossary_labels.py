"""The taxonomies speak the glossary's words (docs/glossary.md; visits/migrations/0003), while
their codes stay as first seeded, so stored visits, the API and the statistics are unaffected."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from tests.factories import VisitFactory
from visits.data import taxonomy_2026 as first_seeded
from visits.forms import HelpItemForm
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpMode,
    Language,
    Outcome,
    Provider,
)

pytestmark = pytest.mark.django_db

glossary_labels = importlib.import_module("visits.migrations.0003_glossary_labels")

NATIONAL_MINORITY_LANGUAGES = [
    ("fi", "Finska", "Finnish"),
    ("fit", "Meänkieli", "Meänkieli"),
    ("se", "Nordsamiska", "Northern Sami"),
    ("sma", "Sydsamiska", "Southern Sami"),
    ("smj", "Lulesamiska", "Lule Sami"),
    ("sju", "Umesamiska", "Ume Sami"),
    ("rom", "Romani chib", "Romani"),
    ("yi", "Jiddisch", "Yiddish"),
]
ADDED_LANGUAGES = {"fit", "smj", "rom", "yi"}

FIRST_SEEDED_CODES = {
    Provider: first_seeded.PROVIDERS,
    EService: first_seeded.SERVICES,
    HelpMode: first_seeded.HELP_MODES,
    Outcome: first_seeded.OUTCOMES,
    Barrier: first_seeded.BARRIERS,
    Channel: first_seeded.CHANNELS,
    AgeBand: first_seeded.AGE_BANDS,
    Language: first_seeded.LANGUAGES,
}


def labels(model) -> list[tuple[str, str, str]]:
    return [(entry.code, entry.label_sv, entry.label_en) for entry in model.objects.all()]


def test_the_help_modes_are_listed_in_the_ladders_order_with_the_servicevard_as_subject():
    assert labels(HelpMode) == [
        ("info", "Gav information", "Gave information"),
        ("on_behalf", "Gjorde åt besökaren", "Did it for the visitor"),
        ("guided", "Vägledde", "Guided"),
        ("taught", "Lärde besökaren göra själv", "Taught the visitor to do it"),
        ("referred", "Hänvisade vidare", "Referred on"),
    ]


def test_a_help_item_form_offers_the_help_modes_in_the_ladders_order():
    choices = [str(label) for _, label in HelpItemForm().fields["mode"].choices]
    assert choices == [
        "Gav information",
        "Gjorde åt besökaren",
        "Vägledde",
        "Lärde besökaren göra själv",
        "Hänvisade vidare",
    ]


def test_the_outcomes_agree_with_arendet():
    assert labels(Outcome) == [
        ("resolved", "Löst", "Resolved"),
        ("partly", "Delvis löst", "Partly resolved"),
        ("unresolved", "Inte löst", "Not resolved"),
        ("referred", "Hänvisat vidare", "Referred on"),
    ]


def test_each_barrier_label_names_the_barrier():
    assert labels(Barrier) == [
        ("no_eid", "Saknar e-legitimation", "No e-ID"),
        ("no_device", "Saknar dator eller mobil", "No computer or mobile"),
        ("no_connection", "Saknar uppkoppling", "No connection"),
        ("skills", "Ovan vid digitala tjänster", "Unused to digital services"),
        ("language", "Språksvårigheter", "Language difficulties"),
        ("disability", "Funktionsnedsättning", "Disability"),
        ("trust", "Oro för bedrägerier", "Fear of fraud"),
        ("service_fault", "Fel i e-tjänsten", "Fault in the e-service"),
    ]


def test_a_device_is_called_a_computer_or_mobile_never_an_enhet():
    device = Provider.objects.get(code="device")
    assert (device.label_sv, device.label_en) == (
        "Dator, mobil och säkerhet",
        "Computers, mobiles and security",
    )
    basics = EService.objects.get(code="device.basics")
    assert (basics.label_sv, basics.label_en) == (
        "Grundläggande om dator och mobil",
        "Computer and mobile basics",
    )
    for model in FIRST_SEEDED_CODES:
        for entry in model.objects.all():
            assert "enhet" not in entry.label_sv.lower(), entry.code


@pytest.mark.parametrize("model", FIRST_SEEDED_CODES, ids=lambda model: model.__name__)
def test_the_migration_changes_no_code(model):
    codes = {row[0] for row in FIRST_SEEDED_CODES[model]}
    if model is Language:
        codes |= ADDED_LANGUAGES
    assert set(model.objects.values_list("code", flat=True)) == codes


def test_every_national_minority_language_is_offered_with_swedish_and_english_names():
    offered = Language.objects.for_form()
    for code, swedish, english in NATIONAL_MINORITY_LANGUAGES:
        language = offered.get(code=code)
        assert (language.label_sv, language.label_en) == (swedish, english)
        with translation.override("sv"):
            assert str(language) == swedish
        with translation.override("en"):
            assert str(language) == english


def test_the_national_minority_languages_come_together_right_after_swedish():
    codes = list(Language.objects.values_list("code", flat=True))
    minority = [code for code, _, _ in NATIONAL_MINORITY_LANGUAGES]
    assert codes[: 1 + len(minority)] == ["sv", *minority]
    assert codes[1 + len(minority) :] == ["en", "ar", "so", "ti", "fa", "uk"]


def test_the_quick_log_screen_offers_the_national_minority_languages(client, site, staff):
    client.force_login(staff)
    page = client.get(reverse("visits:quick_log", args=[site.code])).content.decode()
    for code, swedish, _ in NATIONAL_MINORITY_LANGUAGES:
        assert f'value="{code}"' in page
        assert swedish in page


def test_the_reverse_restores_the_first_seeded_labels_and_the_forward_the_glossarys():
    glossary_labels.restore(apps, None)
    assert labels(HelpMode) == first_seeded.HELP_MODES
    assert labels(Barrier) == first_seeded.BARRIERS
    assert Provider.objects.get(code="device").label_sv == "Enhet och säkerhet"
    assert labels(Language) == first_seeded.LANGUAGES

    glossary_labels.relabel(apps, None)
    assert labels(HelpMode)[0] == ("info", "Gav information", "Gave information")
    assert Provider.objects.get(code="device").label_sv == "Dator, mobil och säkerhet"
    assert set(Language.objects.values_list("code", flat=True)) >= ADDED_LANGUAGES


def test_the_reverse_keeps_an_added_language_a_visit_uses_but_stops_offering_it():
    VisitFactory(language=Language.objects.get(code="yi"))
    glossary_labels.restore(apps, None)
    yiddish = Language.objects.get(code="yi")
    assert not yiddish.is_active
    assert not Language.objects.filter(code="fit").exists()
