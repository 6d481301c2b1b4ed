import pytest
from django.urls import reverse

from organisations.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_with_one_site_go_straight_to_its_quick_log(client):
    site = SiteFactory(code="lycksele")
    user = UserFactory()
    MembershipFactory(user=user, site=site, role=Membership.Role.STAFF)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.url == reverse("visits:quick_log", args=["lycksele"])


def test_a_manager_of_an_organisation_lands_on_its_statistics(client):
    organisation = OrganisationFactory(code="inland")
    SiteFactory(organisation=organisation)
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.MANAGER)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.url == reverse(
        "indicators:dashboard", kwargs={"kind": "organisation", "code": "inland"}
    )


def test_the_start_page_offers_a_manager_every_site_to_log_at(client):
    organisation = OrganisationFactory()
    sites = [SiteFactory(organisation=organisation) for _ in range(2)]
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.MANAGER)
    client.force_login(user)
    response = client.get(reverse("start"))
    assert response.status_code == 200
    assert set(response.context["loggable_sites"]) == set(sites)


def test_the_start_page_uses_a_fixed_number_of_queries(client, django_assert_num_queries):
    organisation = OrganisationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    SiteFactory(organisation=organisation)
    SiteFactory(organisation=organisation)
    client.force_login(user)
    with django_assert_num_queries(5):
        client.get(reverse("home"))
    for _ in range(4):
        SiteFactory(organisation=organisation)
    with django_assert_num_queries(5):
        client.get(reverse("home"))


def test_an_unknown_page_gets_the_applications_own_404(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<main" in response.text
