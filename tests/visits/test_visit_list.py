import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from tests.factories import OrganisationFactory, SiteFactory, VisitFactory, member

pytestmark = pytest.mark.django_db

LIST = reverse("visits:list")


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def listed(response) -> list:
    """The visits on the page, in the order shown."""
    return [row.record for row in response.context["table"].page.object_list]


@pytest.fixture
def organisation():
    return OrganisationFactory(code="region-vb")


@pytest.fixture
def site(organisation):
    return SiteFactory(code="lycksele", name="Servicecenter Lycksele", organisation=organisation)


@pytest.fixture
def other_site(organisation):
    return SiteFactory(code="storuman", name="Servicecenter Storuman", organisation=organisation)


@pytest.fixture
def manager(organisation, site):
    return member(Membership.Role.MANAGER, organisation=organisation, site=None)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_visitor_without_login_is_sent_to_the_login_page(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_list_url_is_not_taken_for_a_site_code(manager_client):
    response = manager_client.get("/visits/list/")
    assert response.resolver_match.url_name == "list"


def test_the_list_shows_the_visits_of_the_users_organisation(manager_client, site):
    visit = VisitFactory(site=site)
    response = manager_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [visit]


def test_another_organisations_visit_is_not_listed(manager_client, site):
    VisitFactory(site=SiteFactory(code="asele", organisation=OrganisationFactory(code="asele")))
    own = VisitFactory(site=site)
    response = manager_client.get(LIST)
    assert listed(response) == [own]


def test_an_analyst_lists_the_visits_of_their_organisation(client, organisation, site):
    analyst = member(Membership.Role.ANALYST, organisation=organisation, site=None)
    visit = VisitFactory(site=site)
    client.force_login(analyst)
    assert listed(client.get(LIST)) == [visit]


def test_the_period_defaults_to_the_current_month_up_to_today(manager_client):
    today = timezone.localdate()
    form = manager_client.get(LIST).context["form"]
    assert form.cleaned_data["from"] == today.replace(day=1)
    assert form.cleaned_data["to"] == today


def test_the_period_filter_keeps_only_visits_in_the_period(manager_client, site):
    inside = VisitFactory(site=site, started_at=at(datetime.date(2026, 3, 31), hour=23))
    VisitFactory(site=site, started_at=at(datetime.date(2026, 4, 1), hour=0))
    VisitFactory(site=site, started_at=at(datetime.date(2026, 2, 28), hour=23))
    response = manager_client.get(LIST, {"from": "2026-03-01", "to": "2026-03-31"})
    assert listed(response) == [inside]


def test_the_site_filter_keeps_only_that_sites_visits(manager_client, site, other_site):
    VisitFactory(site=site)
    there = VisitFactory(site=other_site)
    response = manager_client.get(LIST, {"site": "storuman"})
    assert listed(response) == [there]


def test_the_service_filter_keeps_visits_with_one_of_the_chosen_services(manager_client, site):
    bankid = VisitFactory(site=site, help=[("eid.bankid", "taught", "resolved")])
    tax = VisitFactory(site=site, help=[("skatteverket.declaration", "guided", "resolved")])
    VisitFactory(site=site, help=[("mailbox.kivra", "guided", "resolved")])
    response = manager_client.get(LIST, {"service": ["eid.bankid", "skatteverket.declaration"]})
    assert set(listed(response)) == {bankid, tax}


def test_the_help_mode_filter_keeps_visits_helped_that_way(manager_client, site):
    taught = VisitFactory(site=site, help=[("eid.bankid", "taught", "resolved")])
    VisitFactory(site=site, help=[("eid.bankid", "on_behalf", "resolved")])
    response = manager_client.get(LIST, {"mode": "taught"})
    assert listed(response) == [taught]


def test_the_barrier_filter_keeps_visits_that_met_the_barrier(manager_client, site):
    no_eid = VisitFactory(site=site, barriers=["no_eid"])
    VisitFactory(site=site, barriers=["language"])
    VisitFactory(site=site)
    response = manager_client.get(LIST, {"barrier": "no_eid"})
    assert listed(response) == [no_eid]


def test_a_visit_with_two_matching_help_items_is_listed_once(manager_client, site):
    visit = VisitFactory(
        site=site,
        help=[
            ("eid.bankid", "guided", "resolved"),
            ("skatteverket.declaration", "guided", "partly"),
        ],
        barriers=["no_eid", "skills"],
    )
    response = manager_client.get(
        LIST,
        {
            "service": ["eid.bankid", "skatteverket.declaration"],
            "mode": "guided",
            "barrier": ["no_eid", "skills"],
        },
    )
    assert listed(response) == [visit]


def test_service_and_help_mode_must_match_in_the_same_help_item(manager_client, site):
    VisitFactory(
        site=site,
        help=[("eid.bankid", "guided", "resolved"), ("mailbox.kivra", "taught", "resolved")],
    )
    response = manager_client.get(LIST, {"service": "eid.bankid", "mode": "taught"})
    assert listed(response) == []


def test_the_first_visit_filter_tells_unknown_from_no(manager_client, site):
    unknown = VisitFactory(site=site, first_visit=None)
    VisitFactory(site=site, first_visit=False)
    response = manager_client.get(LIST, {"first_visit": "unknown"})
    assert listed(response) == [unknown]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("site", "nowhere"),
        ("service", "no.such.service"),
        ("provider", "nobody"),
        ("mode", "xyz"),
        ("outcome", "maybe"),
        ("channel", "pigeon"),
        ("age_band", "200+"),
        ("gender", "x"),
        ("barrier", "dragons"),
        ("first_visit", "perhaps"),
        ("from", "yesterday"),
    ],
)
def test_an_unknown_filter_value_is_a_form_error_and_no_table(manager_client, site, name, value):
    VisitFactory(site=site)
    response = manager_client.get(LIST, {name: value})
    assert response.status_code == 200
    assert name in response.context["form"].errors
    assert response.context["table"] is None
    assert 'id="error-summary"' in response.text
    assert "<table" not in response.text


def test_a_site_of_another_organisation_is_a_form_error(manager_client):
    SiteFactory(code="asele", organisation=OrganisationFactory(code="asele"))
    response = manager_client.get(LIST, {"site": "asele"})
    assert "site" in response.context["form"].errors
    assert response.context["table"] is None


def test_an_end_before_the_start_is_a_form_error(manager_client):
    response = manager_client.get(LIST, {"from": "2026-03-10", "to": "2026-03-01"})
    assert "to" in response.context["form"].errors
    assert response.context["table"] is None


def test_a_date_more_than_a_year_ahead_is_a_form_error(manager_client):
    far = timezone.localdate() + datetime.timedelta(days=400)
    response = manager_client.get(LIST, {"to": far.isoformat()})
    assert "to" in response.context["form"].errors
    assert response.context["table"] is None


def test_a_day_before_the_year_2000_is_a_form_error(manager_client):
    response = manager_client.get(LIST, {"from": "0001-01-01"})
    assert "from" in response.context["form"].errors
    assert response.context["table"] is None


def test_the_form_keeps_the_values_it_was_given(manager_client, site):
    response = manager_client.get(
        LIST, {"from": "2026-03-01", "to": "2026-03-31", "site": "lycksele", "mode": "taught"}
    )
    assert 'value="2026-03-01"' in response.text
    assert '<option value="lycksele" selected>' in response.text
    assert 'value="taught" id="id_mode_' in response.text and "checked" in response.text


def test_a_period_without_visits_shows_the_empty_state_not_an_error(manager_client, english):
    response = manager_client.get(LIST, {"from": "2020-01-01", "to": "2020-01-31"})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["has_rows"] is False
    assert "No visits in this period" in response.text
    assert "<table" not in response.text


def test_the_list_is_newest_first(manager_client, site):
    day = timezone.localdate()
    older = VisitFactory(site=site, started_at=at(day, 0))
    newer = VisitFactory(site=site, started_at=timezone.now())
    assert listed(manager_client.get(LIST, {"from": day.isoformat()})) == [newer, older]


def test_sorting_by_duration_works_both_ways(manager_client, site):
    long = VisitFactory(site=site, duration_min=60)
    short = VisitFactory(site=site, duration_min=5)
    middle = VisitFactory(site=site, duration_min=20)
    assert listed(manager_client.get(LIST, {"sort": "duration_min"})) == [short, middle, long]
    assert listed(manager_client.get(LIST, {"sort": "-duration_min"})) == [long, middle, short]


def test_the_sorted_column_tells_screen_readers_its_order(manager_client, site):
    VisitFactory(site=site)
    response = manager_client.get(LIST, {"sort": "-duration_min"})
    assert 'aria-sort="descending"' in response.text


def test_the_list_shows_fifty_visits_a_page_and_links_the_next(manager_client, site):
    for _ in range(51):
        VisitFactory(site=site)
    first = manager_client.get(LIST)
    assert len(listed(first)) == 50
    assert 'rel="next"' in first.text
    second = manager_client.get(LIST, {"page": 2})
    assert len(listed(second)) == 1
    assert 'rel="next"' not in second.text


def test_a_page_past_the_end_shows_the_first_page(manager_client, site):
    visit = VisitFactory(site=site)
    assert listed(manager_client.get(LIST, {"page": 7})) == [visit]


def test_a_page_number_that_is_not_a_number_shows_the_first_page(manager_client, site):
    visit = VisitFactory(site=site)
    assert listed(manager_client.get(LIST, {"page": "many"})) == [visit]


def test_the_list_page_counts_no_rows(manager_client, site):
    VisitFactory(site=site)
    with CaptureQueriesContext(connection) as queries:
        manager_client.get(LIST)
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_the_list_page_takes_as_many_queries_for_30_visits_as_for_3(manager_client, site):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        VisitFactory(site=site, help=[("eid.bankid", "taught", "resolved")], barriers=["skills"])
    with_3 = page_queries()
    for _ in range(27):
        VisitFactory(
            site=site,
            help=[("eid.bankid", "taught", "resolved"), ("mailbox.kivra", "guided", "partly")],
            barriers=["no_eid"],
        )
    assert len(listed(manager_client.get(LIST))) == 30
    assert page_queries() == with_3


def test_the_list_shows_every_column_in_the_active_language(manager_client, site, english):
    VisitFactory(
        site=site,
        started_at=at(timezone.localdate(), hour=0),
        duration_min=25,
        participants=3,
        help=[("eid.bankid", "taught", "resolved"), ("mailbox.kivra", "guided", "partly")],
    )
    text = manager_client.get(LIST).text
    for label in ("BankID", "Digital mailbox", "Taught", "Guided", "Resolved", "Partly"):
        assert label in text or label.lower() in text.lower()
    assert f"{timezone.localdate():%Y-%m-%d} 00:00" in text
    assert 'data-label="Duration (min)">25<' in text


def test_the_note_is_never_shown(manager_client, site):
    VisitFactory(site=site, note="Hjälp med deklarationen inför maj")
    assert "deklarationen inför maj" not in manager_client.get(LIST).text


def test_the_export_links_carry_the_filters_and_the_period(manager_client, site):
    VisitFactory(site=site, started_at=at(datetime.date(2020, 1, 2)))
    response = manager_client.get(LIST, {"site": "lycksele", "from": "2020-01-01"})
    assert 'data-export="csv"' in response.text
    csv_url = response.context["export_urls"]["csv"]
    assert "_export=csv" in csv_url and "site=lycksele" in csv_url
    assert "from=2020-01-01" in csv_url and f"to={timezone.localdate().isoformat()}" in csv_url


def test_the_page_loads_no_inline_script_or_style(manager_client, site):
    VisitFactory(site=site)
    text = manager_client.get(LIST).text
    assert "<script>" not in text and " style=" not in text and " onclick=" not in text
    assert "js/export.js" in text
