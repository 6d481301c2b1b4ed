"""Database constraints hold even when application validation is bypassed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import ProtectedError

from organisations.models import Membership, Municipality, Site
from tests.factories import MembershipFactory, SiteFactory, UserFactory, VisitFactory
from visits.models import Barrier, Channel, EService, HelpItem, Visit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_min", 0),
        ("duration_min", 601),
        ("participants", 0),
        ("participants", 501),
        ("confidence_before", 0),
        ("confidence_after", 6),
        ("gender", "female"),
        ("source", "fax"),
        ("note", "x" * 501),
    ],
)
def test_the_database_refuses_out_of_range_visit_values(field, value):
    visit = VisitFactory()
    # PostgreSQL reports an over-long varchar as a data error, SQLite's CHECK as integrity.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(**{field: value})


def test_a_visit_needs_a_site():
    visit = VisitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(site=None)


def test_a_site_with_visits_cannot_be_deleted():
    visit = VisitFactory()
    with pytest.raises(ProtectedError):
        visit.site.delete()


def test_a_service_in_use_cannot_be_deleted():
    VisitFactory(help=[("eid.bankid", "taught", "resolved")])
    with pytest.raises(ProtectedError):
        EService.objects.get(code="eid.bankid").delete()


def test_a_municipality_with_sites_cannot_be_deleted():
    SiteFactory(municipality=Municipality.objects.get(code="2481"))
    with pytest.raises(ProtectedError):
        Municipality.objects.get(code="2481").delete()


def test_deleting_a_visit_removes_its_help_items():
    visit = VisitFactory()
    visit.delete()
    assert not HelpItem.objects.exists()


def test_an_inactive_taxonomy_entry_stays_valid_on_old_visits():
    visit = VisitFactory()
    Channel.objects.filter(code="walk_in").update(is_active=False)
    visit.refresh_from_db()
    visit.full_clean()
    assert visit.channel.code == "walk_in"


def test_a_group_session_counts_its_participants():
    visit = VisitFactory(participants=12)
    assert Visit.objects.get(pk=visit.pk).participants == 12


def test_the_note_validator_refuses_personal_data_on_full_clean():
    visit = VisitFactory.build(site=SiteFactory(), note="Ring 070-123 45 67")
    with pytest.raises(ValidationError) as error:
        visit.full_clean()
    assert "note" in error.value.message_dict


def test_a_visit_stores_no_field_that_identifies_the_visitor():
    names = {field.name for field in Visit._meta.get_fields()}
    for identifying in ("name", "personal_number", "phone", "email", "address", "birth_date"):
        assert not any(identifying in name for name in names)


def test_a_user_holds_one_organisation_wide_membership_per_role():
    site = SiteFactory()
    user = UserFactory()
    MembershipFactory(user=user, site=None, organisation=site.organisation, role="manager")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, organisation=site.organisation, role="manager")


def test_a_site_code_is_unique():
    site = SiteFactory(code="lycksele")
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(
            code="lycksele",
            name="Again",
            kind="library",
            organisation=site.organisation,
            municipality=site.municipality,
        )


def test_seeded_taxonomies_carry_swedish_and_english_labels():
    barrier = Barrier.objects.get(code="trust")
    assert (barrier.label_sv, barrier.label_en) == ("Oro för bedrägerier", "Fear of fraud")
    assert EService.objects.get(code="skatteverket.declaration").provider.label_sv == (
        "Skatteverket"
    )


def test_scb_municipalities_are_loaded_with_population():
    lycksele = Municipality.objects.get(code="2481")
    assert lycksele.name == "Lycksele"
    assert lycksele.region.code == "24"
    assert lycksele.population == 12118
