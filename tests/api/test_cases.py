"""POST/GET /api/v1/cases/: a partner refers a visitor to a service centre and reads back its
own and its referred cases, never another's, never contact details (SPEC §5, §6)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Case
from organisations.models import Region, Site
from tests.api.conftest import client_for
from tests.factories import OrganisationFactory, SiteFactory, open_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def referral(**overrides) -> dict:
    body = {
        "site": "lycksele",
        "service": "forsakringskassan.housing",
        "title": "Bostadsbidraget behöver kompletteras",
        "description": "Behöver hjälp att ladda upp hyresavtalet.",
    }
    body.update(overrides)
    return body


def test_a_partner_refers_a_visitor_and_gets_the_case_number_back(api, region_site, library):
    answer = api.post(URL, referral(), format="json")
    assert answer.status_code == 201
    case = Case.objects.get()
    assert answer.json()["number"] == case.number
    assert (case.site, case.referred_by, case.source) == (region_site, library, "api")


def test_contact_details_are_kept_with_consent_and_never_returned(api, region_site):
    contact = {"consent": True, "name": "Karin", "phone": "070-123 45 67"}
    answer = api.post(URL, referral(contact=contact), format="json")
    assert Case.objects.get().contact_name == "Karin"
    listed = api.get(URL).content.decode()
    assert "Karin" not in answer.content.decode() and "Karin" not in listed
    assert "070-123" not in listed


def test_contact_details_without_consent_are_refused_and_nothing_saved(api, region_site):
    contact = {"consent": False, "phone": "070-123 45 67"}
    answer = api.post(URL, referral(contact=contact), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["detail", "contact"]
    assert not Case.objects.exists()


def test_a_personal_identity_number_in_the_description_is_refused(api, region_site):
    answer = api.post(URL, referral(description="Personnummer 811218-9876"), format="json")
    assert answer.status_code == 400
    assert "811218-****" in answer.json()["description"][0]
    assert not Case.objects.exists()


def test_a_partner_cannot_refer_to_a_service_centre_of_another_region(api):
    norrbotten = Region.objects.get(code="25")
    SiteFactory(
        code="lulea",
        organisation=OrganisationFactory(code="region-nb", region=norrbotten),
        municipality=norrbotten.municipalities.first(),
    )
    answer = api.post(URL, referral(site="lulea"), format="json")
    assert answer.status_code == 400
    assert "site" in answer.json()


def test_a_partner_cannot_refer_to_another_organisations_library(api):
    SiteFactory(code="storuman-bibliotek", kind=Site.Kind.LIBRARY)
    answer = api.post(URL, referral(site="storuman-bibliotek"), format="json")
    assert answer.status_code == 400


def test_the_list_holds_own_and_referred_cases_but_not_others(api, region_site, library_site):
    referred = Case.objects.get(number=api.post(URL, referral(), format="json").json()["number"])
    own = open_case(library_site)
    unrelated = open_case(region_site)
    numbers = {case["number"] for case in api.get(URL).json()["results"]}
    assert numbers == {referred.number, own.number}
    assert unrelated.number not in numbers


def test_the_list_needs_the_same_number_of_queries_for_more_cases(api, library_site):
    open_case(library_site)
    api.get(URL)  # the key's last-used stamp, written once a minute
    with CaptureQueriesContext(connection) as first:
        api.get(URL)
    for _ in range(5):
        open_case(library_site)
    with CaptureQueriesContext(connection) as second:
        api.get(URL)
    assert len(second) == len(first)


def test_an_unknown_caller_is_refused(client, region_site):
    assert client.get(URL).status_code in (401, 403)
    assert client.post(URL, referral(), content_type="application/json").status_code in (401, 403)


def test_the_region_sees_the_case_a_partner_referred_to_it(api, region_site):
    number = api.post(URL, referral(), format="json").json()["number"]
    numbers = [case["number"] for case in client_for(region_site.organisation).get(URL).json()[
        "results"]]  # fmt: skip
    assert numbers == [number]


@pytest.mark.parametrize("field", ["site", "service"])
def test_a_code_with_a_nul_character_names_nothing(api, region_site, field):
    answer = api.post(URL, referral(**{field: "lyck\x00sele"}), format="json")
    assert answer.status_code == 400
    assert field in answer.json()
