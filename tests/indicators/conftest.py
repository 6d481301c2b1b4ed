"""A small, hand-countable data set (the "scenario"): two sites in two municipalities, owned
by two organisations, eight visits in March and April 2026. Expected values in the tests are
counted by hand from the table below.

visit site local time  min people age      gender   first lives barriers        conf
v1    A    03-02 10:00 10  1      75+      woman    yes   2481  no_eid, skills  2→4
v2    A    03-09 11:00 20  1      65-74    man      no    2481  skills          3→4
v3    A    03-16 14:00 30  8      unknown  unstated ?     –     –               –
v4    B    03-20 09:00 40  1      45-64    woman    yes   2421  no_eid          1→3
v5    B    03-31 23:30 15  1      75+      woman    yes   2421  –               2→2
v6    A    04-01 09:00 25  2      30-44    man      no    2480  language        –→5
v7    A    04-15 10:00 35  1      75+      woman    ?     2481  trust           4→5
v8    B    04-22 13:00 50  1      65-74    other    yes   2481  no_eid, trust   2→5

help items (service, mode, outcome):
v1 bankid taught resolved; bankid guided resolved    v5 1177.login referred referred
v2 1177.login on_behalf partly                       v6 bankid on_behalf unresolved
v3 bankid info referred; swish guided resolved       v7 swish taught resolved; swish taught partly
v4 freja taught resolved                             v8 bankid guided resolved

Channel: walk-in, except v4 and v7 booked, v5 phone.

Site A ("ind-a", Lycksele 2481, organisation "ind-org-a"), site B ("ind-b", Storuman 2421,
"ind-org-b"). Staffed hours: A 2026-03-02 6.00, A 2026-04-15 7.50, B 2026-03-20 4.00,
B 2026-04-22 4.50. Outside the period or scope (must not count): a visit and staffed hours
at A on 2026-05-01, a visit and staffed hours at site C ("ind-c", Kiruna 2584).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from organisations.models import Municipality, Organisation, Site
from tests.factories import OrganisationFactory, SiteFactory
from tests.indicators.factories import StaffedHoursFactory, local, make_visit

MARCH_1 = datetime.date(2026, 3, 1)
APRIL_30 = datetime.date(2026, 4, 30)


@dataclass
class Scenario:
    site_a: Site
    site_b: Site
    site_c: Site
    org_a: Organisation
    org_b: Organisation

    @property
    def sites(self):
        return Site.objects.filter(code__in=["ind-a", "ind-b"])

    @property
    def area(self):
        return Municipality.objects.filter(code__in=["2481", "2421"])


@pytest.fixture
def scenario(db) -> Scenario:
    org_a = OrganisationFactory(code="ind-org-a")
    org_b = OrganisationFactory(code="ind-org-b")
    site_a = SiteFactory(
        code="ind-a",
        name="Lycksele servicecenter",
        organisation=org_a,
        municipality=Municipality.objects.get(code="2481"),
    )
    site_b = SiteFactory(
        code="ind-b",
        name="Storumans bibliotek",
        organisation=org_b,
        municipality=Municipality.objects.get(code="2421"),
    )
    site_c = SiteFactory(
        code="ind-c", organisation=org_b, municipality=Municipality.objects.get(code="2584")
    )
    lycksele, storuman, umea = (Municipality.objects.get(code=c) for c in ("2481", "2421", "2480"))

    make_visit(
        site=site_a,
        started_at=local(2026, 3, 2, 10),
        duration_min=10,
        participants=1,
        age_band="75+",
        gender="woman",
        first_visit=True,
        visitor_municipality=lycksele,
        barriers=["no_eid", "skills"],
        confidence_before=2,
        confidence_after=4,
        help=[("eid.bankid", "taught", "resolved"), ("eid.bankid", "guided", "resolved")],
    )
    make_visit(
        site=site_a,
        started_at=local(2026, 3, 9, 11),
        duration_min=20,
        participants=1,
        age_band="65-74",
        gender="man",
        first_visit=False,
        visitor_municipality=lycksele,
        barriers=["skills"],
        confidence_before=3,
        confidence_after=4,
        help=[("1177.login", "on_behalf", "partly")],
    )
    make_visit(
        site=site_a,
        started_at=local(2026, 3, 16, 14),
        duration_min=30,
        participants=8,
        age_band="unknown",
        gender="unstated",
        first_visit=None,
        help=[("eid.bankid", "info", "referred"), ("banking.swish", "guided", "resolved")],
    )
    make_visit(
        site=site_b,
        started_at=local(2026, 3, 20, 9),
        duration_min=40,
        participants=1,
        age_band="45-64",
        gender="woman",
        first_visit=True,
        visitor_municipality=storuman,
        barriers=["no_eid"],
        confidence_before=1,
        confidence_after=3,
        channel="booked",
        help=[("eid.freja", "taught", "resolved")],
    )
    make_visit(
        site=site_b,
        started_at=local(2026, 3, 31, 23, 30),
        duration_min=15,
        participants=1,
        age_band="75+",
        gender="woman",
        first_visit=True,
        visitor_municipality=storuman,
        confidence_before=2,
        confidence_after=2,
        channel="phone",
        help=[("1177.login", "referred", "referred")],
    )
    make_visit(
        site=site_a,
        started_at=local(2026, 4, 1, 9),
        duration_min=25,
        participants=2,
        age_band="30-44",
        gender="man",
        first_visit=False,
        visitor_municipality=umea,
        barriers=["language"],
        confidence_after=5,
        help=[("eid.bankid", "on_behalf", "unresolved")],
    )
    make_visit(
        site=site_a,
        started_at=local(2026, 4, 15, 10),
        duration_min=35,
        participants=1,
        age_band="75+",
        gender="woman",
        first_visit=None,
        visitor_municipality=lycksele,
        barriers=["trust"],
        confidence_before=4,
        confidence_after=5,
        channel="booked",
        help=[("banking.swish", "taught", "resolved"), ("banking.swish", "taught", "partly")],
    )
    make_visit(
        site=site_b,
        started_at=local(2026, 4, 22, 13),
        duration_min=50,
        participants=1,
        age_band="65-74",
        gender="other",
        first_visit=True,
        visitor_municipality=lycksele,
        barriers=["no_eid", "trust"],
        confidence_before=2,
        confidence_after=5,
        help=[("eid.bankid", "guided", "resolved")],
    )
    # Outside the period, and outside the scope.
    make_visit(site=site_a, started_at=local(2026, 5, 1, 0, 10), visitor_municipality=lycksele)
    make_visit(site=site_c, started_at=local(2026, 3, 10), visitor_municipality=lycksele)

    for site, day, hours in [
        (site_a, datetime.date(2026, 3, 2), "6.00"),
        (site_a, datetime.date(2026, 4, 15), "7.50"),
        (site_b, datetime.date(2026, 3, 20), "4.00"),
        (site_b, datetime.date(2026, 4, 22), "4.50"),
        (site_a, datetime.date(2026, 5, 1), "8.00"),
        (site_c, datetime.date(2026, 3, 10), "8.00"),
    ]:
        StaffedHoursFactory(site=site, date=day, staff_hours=Decimal(hours))

    return Scenario(site_a=site_a, site_b=site_b, site_c=site_c, org_a=org_a, org_b=org_b)
