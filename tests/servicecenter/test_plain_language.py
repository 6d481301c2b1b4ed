"""Issue 11 §3: the quick-log screen says things in plain language, in Swedish and English."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from organisations.models import Organisation
from tests.visits.test_quick_log import typical_visit
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_restored():
    """The language middleware activates the request's language and leaves it active; an
    English page must not make the next test's labels English."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def in_language(client, language: str):
    """Pages speak the language the header's button chose (a cookie), Swedish by default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def quick_log(client, site, language: str):
    return in_language(client, language).get(reverse("visits:quick_log", args=[site.code]))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", {"1": "Du kan ångra det i 1 sekund.", "2": "Du kan ångra det i 2 sekunder."}),
        ("en", {"1": "You can undo it for 1 second.", "2": "You can undo it for 2 seconds."}),
    ],
)
def test_the_undo_countdown_says_second_or_seconds_as_the_number_needs(
    staff_client, site, language, expected, settings
):
    settings.VISIT_UNDO_SECONDS = 10
    staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    response = quick_log(staff_client, site, language)
    strings = json.loads(
        re.search(
            r'<script id="timer-strings" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    undo_seconds = response.context["undo_seconds"]
    assert set(strings["undoLeft"]) == {str(n) for n in range(1, undo_seconds + 1)}
    assert expected.items() <= strings["undoLeft"].items()
    # What the page shows before the script counts down is the same sentence.
    assert response.context["undo_left"] == strings["undoLeft"][str(undo_seconds)]
    assert "sekunder" not in strings["undoLeft"]["1"] and "seconds" not in strings["undoLeft"]["1"]


@pytest.mark.parametrize(
    ("language", "button", "sentence"),
    [
        (
            "sv",
            "Samma som förra",
            "Om du inte ändrar något sparas besöket som ett spontanbesök som började nu och "
            "tog 15 minuter.",
        ),
        (
            "en",
            "Same as last",
            "If you change nothing, the visit is saved as a walk-in that started now and "
            "took 15 minutes.",
        ),
    ],
)
def test_the_quick_log_says_its_defaults_in_a_sentence(
    staff_client, site, language, button, sentence
):
    staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    page = text(quick_log(staff_client, site, language).content.decode())
    assert sentence in page
    assert button in page


@pytest.mark.parametrize(
    ("language", "hint"),
    [("sv", "1 = Mycket osäker, 5 = Mycket trygg"), ("en", "1 = Very unsure, 5 = Very confident")],
)
def test_the_confidence_scale_says_what_1_and_5_mean(staff_client, site, language, hint):
    html = quick_log(staff_client, site, language).content.decode()
    for name in ("confidence_before", "confidence_after"):
        fieldset = re.search(rf'<fieldset [^>]*id="{name}-group"[^>]*>', html).group()
        assert f'aria-describedby="{name}-help"' in fieldset
        assert re.search(rf'<p class="help" id="{name}-help">{re.escape(hint)}</p>', html)


def test_other_agrees_with_gender_and_with_organisation():
    with translation.override("sv"):
        assert str(Visit.Gender.OTHER.label) == "Annat"
        assert str(Organisation.Kind.OTHER.label) == "Annan"
        assert str(Visit.Gender.UNSTATED.label) == "Inte angivet"
    with translation.override("en"):
        assert str(Visit.Gender.OTHER.label) == "Other"
        assert str(Organisation.Kind.OTHER.label) == "Other"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", ["Ärenden", "Åldersgrupp", "Deltagare"]),
        ("en", ["Help items", "Age band", "Participants"]),
    ],
)
def test_todays_list_names_its_columns_with_the_glossarys_words(
    staff_client, site, language, words
):
    staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    response = in_language(staff_client, language).get(reverse("visits:today", args=[site.code]))
    headers = re.findall(r"<th[^>]*>(.*?)</th>", response.content.decode(), re.S)
    assert set(words) <= {text(header) for header in headers}
