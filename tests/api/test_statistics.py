import datetime

import pytest
from rest_framework.test import APIClient

from tests.factories import SiteFactory, VisitFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)


def visits_at(site, count, *, day=MARCH):
    for _ in range(count):
        VisitFactory(site=site, started_at=day)


def stats(client, **params):
    return client.get("/api/v1/stats/", {"from": "2026-03-01", "to": "2026-03-31", **params})


def test_the_callers_own_statistics_are_not_suppressed(api, library_site):
    visits_at(library_site, 3)
    body = stats(api).json()
    assert body["scope"] == "organisation:lycksele-bibliotek"
    assert body["total"]["visits"] == 3
    assert body["suppressed"] == []
    assert body["min_cell"] == 5


def test_regional_statistics_suppress_another_organisations_small_counts(
    api, library_site, region_site
):
    visits_at(library_site, 7)
    visits_at(region_site, 2)
    body = stats(api, scope="region:24", group_by="site").json()
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["lycksele-bibliotek"]["visits"] == 7
    assert rows["lycksele"]["visits"] is None
    assert body["total"]["visits"] is None  # 9 − own 7 would give the region's 2 away
    assert {"key": "lycksele", "indicator": "visits", "reason": "primary"} in body["suppressed"]


def test_zeros_are_shown_in_regional_statistics(api, library_site, region_site):
    visits_at(library_site, 6)
    body = stats(api, scope="site:lycksele").json()
    assert body["total"]["visits"] == 0


def test_shares_are_fractions_between_zero_and_one(api, library_site):
    visits_at(library_site, 6)
    total = stats(api).json()["total"]
    assert total["resolved_share"] == 1.0
    assert 0 <= total["self_reliance_share"] <= 1


def test_a_scope_outside_the_callers_region_is_404(api):
    from organisations.models import Region
    from tests.factories import OrganisationFactory

    norrbotten = Region.objects.get(code="25")
    far = SiteFactory(
        code="kiruna",
        organisation=OrganisationFactory(region=norrbotten),
        municipality=norrbotten.municipalities.first(),
    )
    visits_at(far, 10)
    assert stats(api, scope="site:kiruna").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "galaxy:1"}, "scope"),
        ({"scope": "region:99"}, "scope"),
        ({"group_by": "colour"}, "group_by"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from"),
        ({"from": "yesterday"}, "from"),
    ],
)
def test_bad_statistics_parameters_are_a_400_naming_the_parameter(api, params, field):
    response = stats(api, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_statistics_use_a_fixed_number_of_queries(api, library_site, django_assert_num_queries):
    visits_at(library_site, 3)
    stats(api, group_by="month")  # the key's last-used stamp is written once a minute
    with django_assert_num_queries(15):
        stats(api, group_by="month")
    visits_at(library_site, 12, day=MARCH + datetime.timedelta(days=5))
    with django_assert_num_queries(15):
        stats(api, group_by="month")


def test_the_indicator_list_names_and_defines_every_indicator(api):
    body = api.get("/api/v1/indicators/").json()
    codes = [entry["code"] for entry in body]
    assert codes[:3] == ["visits", "people_helped", "help_items"]
    assert all(entry["definition_sv"] and entry["definition_en"] for entry in body)


def session_for(role: str, site) -> APIClient:
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=f"{role}-{site.code}")
    MembershipFactory(user=user, site=None, organisation=site.organisation, role=role)
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_a_region_scope_is_refused_to_staff_and_managers_rather_than_narrowed(
    library_site, region_site, role
):
    visits_at(library_site, 6)
    visits_at(region_site, 6)
    response = stats(session_for(role, library_site), scope="region:24")
    assert response.status_code == 403
    assert "organisation:" in response.json()["detail"]


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_and_managers_read_their_own_organisation_whole(library_site, region_site, role):
    visits_at(library_site, 6)
    visits_at(region_site, 6)
    body = stats(session_for(role, library_site), scope="organisation:lycksele-bibliotek").json()
    assert body["total"]["visits"] == 6


def test_an_analyst_reads_the_whole_region(library_site, region_site):
    visits_at(library_site, 6)
    visits_at(region_site, 9)
    body = stats(session_for("analyst", library_site), scope="region:24", group_by="site").json()
    assert body["scope"] == "region:24"
    assert body["total"]["visits"] == 15
    visits = {row["key"]: row["visits"] for row in body["rows"]}
    assert visits == {"lycksele-bibliotek": 6, "lycksele": 9}


def test_a_partner_reads_the_whole_region(api, library_site, region_site):
    visits_at(library_site, 6)
    visits_at(region_site, 9)
    assert stats(api, scope="region:24").json()["total"]["visits"] == 15
