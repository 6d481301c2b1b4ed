"""Parsing `region:24`, `municipality:2481`, `site:<code>` and `organisation:<code>`."""

from __future__ import annotations

import pytest
from django.utils import translation

from indicators.scopes import ScopeError, parse_scope
from organisations.models import Municipality
from tests.factories import OrganisationFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    return {
        "lycksele": SiteFactory(
            code="ind-lycksele", municipality=Municipality.objects.get(code="2481")
        ),
        "closed": SiteFactory(
            code="ind-closed",
            is_active=False,
            municipality=Municipality.objects.get(code="2421"),
        ),
        "kiruna": SiteFactory(
            code="ind-kiruna", municipality=Municipality.objects.get(code="2584")
        ),
    }


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_a_region_scope_covers_its_sites_including_inactive_ones(sites):
    scope = parse_scope("region:24")
    assert (scope.kind, scope.code, scope.label) == ("region", "24", "Västerbottens län")
    assert codes(scope.sites) == ["ind-closed", "ind-lycksele"]


def test_a_region_scope_is_the_area_of_its_municipalities(sites):
    scope = parse_scope("region:24")
    assert scope.area_municipalities.count() == 15
    assert scope.area_municipalities.filter(code="2481").exists()


def test_a_municipality_scope_covers_its_sites_and_is_its_own_area(sites):
    scope = parse_scope("municipality:2481")
    assert scope.label == "Lycksele"
    assert codes(scope.sites) == ["ind-lycksele"]
    assert codes(scope.area_municipalities) == ["2481"]


def test_a_site_scope_covers_that_site_and_is_no_area(sites):
    scope = parse_scope("site:ind-closed")
    assert codes(scope.sites) == ["ind-closed"]
    assert scope.area_municipalities is None
    assert str(scope) == "site:ind-closed"


def test_an_organisation_scope_covers_its_sites_and_is_no_area(sites):
    organisation = OrganisationFactory(code="ind-library")
    SiteFactory(code="ind-library-main", organisation=organisation)
    SiteFactory(code="ind-library-bus", organisation=organisation, kind="mobile")
    scope = parse_scope("organisation:ind-library")
    assert codes(scope.sites) == ["ind-library-bus", "ind-library-main"]
    assert scope.area_municipalities is None


@pytest.mark.parametrize(
    "text",
    ["", "24", "region", "region:", "county:24", "region:2", "region:2a", "municipality:248"],
)
def test_malformed_scopes_are_refused(text):
    with pytest.raises(ScopeError):
        parse_scope(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("region:99", 'There is no region with the code "99".'),
        ("municipality:9999", 'There is no municipality with the code "9999".'),
        ("site:nowhere", 'There is no site with the code "nowhere".'),
        ("organisation:nobody", 'There is no organisation with the code "nobody".'),
    ],
)
def test_unknown_codes_are_refused_with_a_clear_message(text, message):
    with translation.override("en"), pytest.raises(ScopeError) as error:
        parse_scope(text)
    assert str(error.value) == message


def test_scope_errors_are_value_errors():
    assert issubclass(ScopeError, ValueError)
