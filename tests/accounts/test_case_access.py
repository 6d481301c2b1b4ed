"""Who sees and works follow-up cases: every role × own site × another organisation's, and a
partner's API key (SPEC §5, §6)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.access import Action, cases_for, sites_for
from api.authentication import ApiClient
from api.services import api_key_create
from organisations.models import Organisation
from tests.factories import OrganisationFactory, SiteFactory, member, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_site():
    return SiteFactory(code="lycksele", organisation=OrganisationFactory(code="region-vb"))


@pytest.fixture
def sister_site(own_site):
    return SiteFactory(code="storuman", organisation=own_site.organisation)


@pytest.fixture
def library():
    return OrganisationFactory(code="lycksele-bibliotek", kind=Organisation.Kind.LIBRARY)


@pytest.fixture
def library_site(library):
    return SiteFactory(code="lycksele-bibliotek", organisation=library)


def api_client(organisation) -> ApiClient:
    api_key, _key = api_key_create(organisation=organisation, name="test")
    return ApiClient(api_key)


# role, membership scope, sees and works the site's cases
MATRIX = [
    ("staff", "site", True),
    ("manager", "site", True),
    ("analyst", "organisation", False),
    ("admin", "organisation", True),
]


def user_with(role, scope, site):
    if scope == "site":
        return member(role, site=site)
    return member(role, organisation=site.organisation)


@pytest.mark.parametrize(("role", "scope", "works"), MATRIX)
def test_a_member_sees_and_works_their_sites_cases_as_the_role_allows(own_site, role, scope, works):
    case = open_case(own_site)
    user = user_with(role, scope, own_site)
    assert (case in cases_for(user, Action.VIEW)) is works
    assert (case in cases_for(user, Action.CHANGE)) is works
    assert (own_site in sites_for(user, Action.OPEN_CASE)) is works


@pytest.mark.parametrize(("role", "scope", "works"), MATRIX)
def test_no_role_reaches_another_organisations_cases(own_site, library_site, role, scope, works):
    case = open_case(library_site)
    user = user_with(role, scope, own_site)
    assert case not in cases_for(user, Action.VIEW)
    assert case not in cases_for(user, Action.CHANGE)
    assert library_site not in sites_for(user, Action.OPEN_CASE)


def test_a_site_membership_does_not_reach_a_sister_sites_cases(own_site, sister_site):
    case = open_case(sister_site)
    assert case not in cases_for(member("staff", site=own_site), Action.VIEW)


def test_a_partner_key_reads_its_own_and_the_cases_it_referred_and_changes_none(
    own_site, library, library_site
):
    own = open_case(library_site)
    referred = open_case(own_site, referred_by=library)
    unrelated = open_case(own_site)
    partner = api_client(library)
    assert set(cases_for(partner, Action.VIEW)) == {own, referred}
    assert unrelated not in cases_for(partner, Action.VIEW)
    assert not cases_for(partner, Action.CHANGE).exists()


def test_nobody_signed_out_or_deactivated_sees_a_case(own_site):
    case = open_case(own_site)
    former = member("staff", site=own_site, is_active=False)
    assert case not in cases_for(AnonymousUser(), Action.VIEW)
    assert case not in cases_for(former, Action.VIEW)


def test_an_inactive_site_takes_no_new_cases_but_its_cases_stay_visible(own_site):
    case = open_case(own_site)
    staff = member("staff", site=own_site)
    own_site.is_active = False
    own_site.save()
    assert own_site not in sites_for(staff, Action.OPEN_CASE)
    assert case in cases_for(staff, Action.VIEW)
