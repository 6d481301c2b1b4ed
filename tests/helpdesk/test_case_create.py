"""Opening a follow-up case: its number, due date, contact details and what is refused."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helpdesk.models import Case, ServiceLevel
from helpdesk.services import ContactDetails, case_from_visit, case_update
from organisations.models import Membership
from tests.factories import SiteFactory, UserFactory, log_visit, member, open_case
from visits.models import EService

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


@pytest.mark.django_db
def test_a_case_is_numbered_with_the_sites_prefix_year_and_five_digits():
    site = SiteFactory(code="lycksele", case_prefix="LYC")
    first = open_case(site, now=at(2026, 3, 2, 9))
    second = open_case(site, now=at(2026, 3, 2, 10))
    assert (first.number, second.number) == ("LYC-2026-00001", "LYC-2026-00002")


@pytest.mark.django_db
def test_numbering_starts_again_in_a_new_year_and_is_separate_per_site():
    lycksele = SiteFactory(code="lycksele", case_prefix="LYC")
    storuman = SiteFactory(code="storuman", case_prefix="STO")
    open_case(lycksele, now=at(2025, 12, 31, 15))
    assert open_case(lycksele, now=at(2026, 1, 2, 9)).number == "LYC-2026-00001"
    assert open_case(storuman, now=at(2026, 1, 2, 9)).number == "STO-2026-00001"


@pytest.mark.django_db
def test_a_site_without_a_prefix_numbers_its_cases_with_its_code():
    site = SiteFactory(code="asele-bibliotek", case_prefix="")
    assert open_case(site, now=at(2026, 3, 2, 9)).number == "ASELE-BIBLIOTEK-2026-00001"


@pytest.mark.django_db
def test_a_refused_case_gives_its_number_back(site):
    with pytest.raises(ValidationError):
        open_case(site, title="")
    assert open_case(site).sequence == 1


@pytest.mark.django_db
def test_the_due_date_is_the_prioritys_working_days_after_opening(site):
    # Opened on Maundy Thursday 2026; normal priority has 5 working days: Easter takes
    # Good Friday and Easter Monday, so they are 7, 8, 9, 10 and 13 April.
    case = open_case(site, priority="normal", now=at(2026, 4, 2, 11))
    assert case.due_date == datetime.date(2026, 4, 13)


@pytest.mark.django_db
def test_the_service_level_is_read_from_the_table_the_admin_edits(site):
    ServiceLevel.objects.filter(priority="urgent").update(working_days=2)
    case = open_case(site, priority="urgent", now=at(2026, 3, 9, 11))
    assert case.due_date == datetime.date(2026, 3, 11)


@pytest.mark.django_db
def test_a_new_priority_moves_the_due_date_from_the_opening_day(site, staff):
    case = open_case(site, priority="low", now=at(2026, 3, 9, 11))
    Case.objects.filter(pk=case.pk).update(created_at=at(2026, 3, 9, 11))
    case = case_update(case=case, actor=staff, priority="urgent")
    assert case.due_date == datetime.date(2026, 3, 10)


@pytest.mark.django_db
def test_a_personal_identity_number_in_the_description_is_refused_and_nothing_saved(site):
    with pytest.raises(ValidationError) as refused:
        open_case(site, description="Gäller 811218-9876, ring tillbaka")
    assert "description" in refused.value.message_dict
    assert "811218-****" in refused.value.message_dict["description"][0]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_contact_details_without_consent_are_refused_and_nothing_saved(site):
    with pytest.raises(ValidationError) as refused:
        open_case(site, contact=ContactDetails(consent=False, name="Karin", phone="070-1234567"))
    assert list(refused.value.message_dict) == ["contact_consent"]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_contact_details_with_consent_are_kept_with_the_moment_of_consent(site):
    moment = at(2026, 3, 9, 11)
    case = open_case(site, contact=ContactDetails(consent=True, name="Karin"), now=moment)
    assert (case.contact_name, case.contact_consent_at) == ("Karin", moment)


@pytest.mark.django_db
def test_the_database_refuses_contact_details_without_consent_whatever_the_road(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(contact_phone="070-1234567")


@pytest.mark.django_db
def test_the_assignee_must_be_counter_staff_at_the_cases_site(site):
    elsewhere = member(Membership.Role.STAFF, site=SiteFactory())
    with pytest.raises(ValidationError) as refused:
        open_case(site, assignee=elsewhere)
    assert list(refused.value.message_dict) == ["assignee"]


@pytest.mark.django_db
def test_an_analyst_cannot_be_assigned_a_case(site):
    analyst = member(Membership.Role.ANALYST, organisation=site.organisation)
    with pytest.raises(ValidationError):
        open_case(site, assignee=analyst)


@pytest.mark.django_db
def test_a_case_from_a_visit_carries_its_site_and_first_e_service(site, staff):
    visit = log_visit(site, created_by=staff, staff=staff)
    case = case_from_visit(visit=visit, created_by=staff, title="Inloggningen fungerade inte")
    assert (case.site, case.service, case.visit) == (
        site,
        EService.objects.get(code="1177.login"),
        visit,
    )


@pytest.mark.django_db
def test_an_inactive_site_takes_no_new_cases():
    site = SiteFactory(is_active=False)
    with pytest.raises(ValidationError):
        open_case(site)


@pytest.mark.django_db
def test_the_creator_is_kept_but_an_anonymous_caller_is_not(site):
    assert open_case(site, created_by=UserFactory()).created_by.username.startswith("user-")
    assert open_case(site, created_by=AnonymousUser()).created_by is None
