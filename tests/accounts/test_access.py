"""The access rules: every role × own site × another site (SPEC §2)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.access import Action, organisations_for, sites_for, visits_for
from api.authentication import ApiClient
from api.models import ApiKey
from organisations.models import Membership, Organisation
from tests.factories import (
    OrganisationFactory,
    SiteFactory,
    UserFactory,
    VisitFactory,
    member,
)
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_site():
    return SiteFactory(code="lycksele", organisation=OrganisationFactory(code="region-vb"))


@pytest.fixture
def sister_site(own_site):
    """Another site of the same organisation."""
    return SiteFactory(code="storuman", organisation=own_site.organisation)


@pytest.fixture
def other_site():
    """A site of another organisation in the same region (a partner library)."""
    library = OrganisationFactory(code="lycksele-bibliotek", kind=Organisation.Kind.LIBRARY)
    return SiteFactory(code="lycksele-bibliotek", organisation=library)


# role, membership scope ("site" or "organisation"), may log, may manage, may read single visits
MATRIX = [
    ("staff", "site", True, False, True),
    ("manager", "site", True, True, True),
    ("analyst", "organisation", False, False, True),
    ("admin", "organisation", True, True, True),
]


@pytest.mark.parametrize(("role", "scope", "logs", "manages", "reads"), MATRIX)
def test_a_member_may_act_on_their_own_site_as_the_role_allows(
    own_site, role, scope, logs, manages, reads
):
    user = (
        member(role, site=own_site)
        if scope == "site"
        else member(role, organisation=own_site.organisation)
    )
    assert (own_site in sites_for(user, Action.LOG)) is logs
    assert (own_site in sites_for(user, Action.MANAGE)) is manages
    assert (own_site in sites_for(user, Action.VIEW)) is reads
    assert own_site in sites_for(user, Action.VIEW_STATISTICS)


@pytest.mark.parametrize(("role", "scope", "logs", "manages", "reads"), MATRIX)
def test_no_role_reaches_the_single_visits_of_another_organisation(
    own_site, other_site, role, scope, logs, manages, reads
):
    user = (
        member(role, site=own_site)
        if scope == "site"
        else member(role, organisation=own_site.organisation)
    )
    visit = VisitFactory(site=other_site)
    assert other_site not in sites_for(user, Action.LOG)
    assert other_site not in sites_for(user, Action.MANAGE)
    assert other_site not in sites_for(user, Action.VIEW)
    assert visit not in visits_for(user, Action.VIEW)
    assert visit not in visits_for(user, Action.CHANGE)


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_a_site_membership_does_not_reach_a_sister_site(own_site, sister_site, role):
    user = member(role, site=own_site)
    assert sister_site not in sites_for(user, Action.LOG)
    assert sister_site not in sites_for(user, Action.VIEW)


def test_an_organisation_wide_membership_reaches_every_site_of_the_organisation(
    own_site, sister_site
):
    user = member("manager", organisation=own_site.organisation)
    assert set(sites_for(user, Action.MANAGE)) == {own_site, sister_site}


def test_an_analyst_reads_statistics_for_every_site_in_the_region_but_not_single_visits(
    own_site, other_site
):
    analyst = member("analyst", organisation=own_site.organisation)
    assert other_site in sites_for(analyst, Action.VIEW_STATISTICS)
    assert other_site not in sites_for(analyst, Action.VIEW)


def test_an_analyst_does_not_read_statistics_of_another_region(own_site):
    from organisations.models import Region

    norrbotten = Region.objects.get(code="25")
    far_site = SiteFactory(
        organisation=OrganisationFactory(region=norrbotten),
        municipality=norrbotten.municipalities.first(),
    )
    analyst = member("analyst", organisation=own_site.organisation)
    assert far_site not in sites_for(analyst, Action.VIEW_STATISTICS)


def test_staff_may_change_their_own_visit_of_today_but_not_a_colleagues(own_site):
    staff = member("staff", site=own_site)
    own = VisitFactory(site=own_site, created_by=staff)
    colleagues = VisitFactory(site=own_site, created_by=UserFactory())
    assert own in visits_for(staff, Action.CHANGE)
    assert colleagues not in visits_for(staff, Action.CHANGE)
    assert colleagues in visits_for(staff, Action.VIEW)


def test_a_manager_may_change_every_visit_of_today_at_their_site(own_site):
    manager = member("manager", site=own_site)
    visit = VisitFactory(site=own_site, created_by=UserFactory())
    assert visit in visits_for(manager, Action.CHANGE)


def test_nobody_changes_a_visit_after_its_day(own_site):
    manager = member("manager", site=own_site)
    visit = VisitFactory(
        site=own_site,
        created_by=manager,
        started_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert visit not in visits_for(manager, Action.CHANGE)


def test_only_the_author_may_undo_and_only_right_after_saving(own_site):
    staff = member("staff", site=own_site)
    manager = member("manager", site=own_site)
    visit = VisitFactory(site=own_site, created_by=staff)
    assert visit in visits_for(staff, Action.UNDO)
    assert visit not in visits_for(manager, Action.UNDO)
    Visit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert visit not in visits_for(staff, Action.UNDO)


def test_anonymous_and_inactive_users_reach_nothing(own_site):
    inactive = member("admin", organisation=own_site.organisation)
    inactive.is_active = False
    inactive.save()
    for user in (AnonymousUser(), inactive):
        assert not sites_for(user, Action.VIEW_STATISTICS).exists()
        assert not sites_for(user, Action.LOG).exists()
        assert not visits_for(user, Action.VIEW).exists()


def test_a_superuser_reaches_every_site(own_site, other_site):
    root = UserFactory(is_superuser=True)
    assert set(sites_for(root, Action.LOG)) >= {own_site, other_site}


def test_a_membership_for_a_site_of_another_organisation_is_invalid(own_site, other_site):
    from django.core.exceptions import ValidationError

    membership = Membership(
        user=UserFactory(), organisation=own_site.organisation, site=other_site, role="staff"
    )
    with pytest.raises(ValidationError):
        membership.full_clean()


def test_an_api_client_sees_its_own_organisation_in_full_and_its_region_suppressed(
    own_site, other_site
):
    client = ApiClient(ApiKey(organisation=other_site.organisation))
    assert set(organisations_for(client, Action.VIEW)) == {other_site.organisation}
    assert set(sites_for(client, Action.VIEW)) == {other_site}
    assert set(sites_for(client, Action.VIEW_STATISTICS)) >= {own_site, other_site}
    visit = VisitFactory(site=other_site)
    assert visit in visits_for(client, Action.VIEW)
    assert visit not in visits_for(client, Action.CHANGE)
    assert visit not in visits_for(client, Action.UNDO)


def test_an_unknown_action_for_a_kind_of_object_is_a_programming_error(own_site):
    user = member("admin", organisation=own_site.organisation)
    with pytest.raises(ValueError, match="site action"):
        sites_for(user, Action.UNDO)
