"""The rollups answer exactly what the visit tables answer, stay so when visits are logged,
changed, removed or ingested, and cost a fixed number of queries to read and to keep."""

from __future__ import annotations

import datetime
import random
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.engine import GROUP_BY_CHOICES, compute
from indicators.models import Rollup, RollupHistogram
from indicators.rollups import (
    ROLLED_SOURCES,
    additive_measures,
    rollup_differences,
    rollup_rebuild,
)
from organisations.models import Municipality, Site
from tests.factories import OrganisationFactory, SiteFactory
from tests.indicators.factories import StaffedHoursFactory, local, make_visit
from visits.models import AgeBand, Barrier, Channel, EService, HelpMode, Outcome, Visit
from visits.services import (
    HelpItemInput,
    VisitRecord,
    visit_delete,
    visit_ingest,
    visit_update,
)

pytestmark = pytest.mark.django_db

DURATIONS = (5, 10, 10, 15, 20, 33, 45, 90)


@pytest.fixture
def sites():
    own = OrganisationFactory(code="roll-own")
    other = OrganisationFactory(code="roll-other")
    lycksele = Municipality.objects.get(code="2481")
    storuman = Municipality.objects.get(code="2421")
    return [
        SiteFactory(code="roll-a", organisation=own, municipality=lycksele),
        SiteFactory(code="roll-b", organisation=own, municipality=storuman),
        SiteFactory(code="roll-c", organisation=other, municipality=storuman),
    ]


def random_visits(sites, seed: int, count: int = 60) -> None:
    """Visits from mid-December 2025 to mid-March 2026 with every field varied, ties in
    the durations, several help items and barriers, and some visits near midnight."""
    rng = random.Random(seed)
    services = list(EService.objects.values_list("code", flat=True)[:6])
    modes = list(HelpMode.objects.values_list("code", flat=True))
    outcomes = list(Outcome.objects.values_list("code", flat=True))
    barriers = list(Barrier.objects.values_list("code", flat=True)[:4])
    age_bands = list(AgeBand.objects.values_list("code", flat=True))
    channels = list(Channel.objects.values_list("code", flat=True))
    municipalities = [None, *Municipality.objects.filter(code__in=["2481", "2421", "2480"])]
    first_day = datetime.date(2025, 12, 15)
    # Visits on the edges of the periods below, then anywhere.
    edges = [local(2025, 12, 31, 23, 50), local(2026, 1, 1, 0, 10), local(2026, 2, 3, 9)]
    for number in range(count):
        day = first_day + datetime.timedelta(days=rng.randrange(92))
        hour, minute = rng.choice([(0, 10), (9, 0), (13, 30), (23, 50)])
        started_at = local(day.year, day.month, day.day, hour, minute)
        confidence = rng.choice([None, 1, 3, 5])
        make_visit(
            site=rng.choice(sites),
            started_at=edges[number] if number < len(edges) else started_at,
            duration_min=rng.choice(DURATIONS),
            participants=rng.choice([1, 1, 2, 6]),
            age_band=rng.choice(age_bands),
            channel=rng.choice(channels),
            gender=rng.choice(Visit.Gender.values),
            first_visit=rng.choice([None, True, False]),
            visitor_municipality=rng.choice(municipalities),
            confidence_before=confidence,
            confidence_after=None if confidence is None else rng.choice([None, 2, 4, 5]),
            help=[
                (rng.choice(services), rng.choice(modes), rng.choice(outcomes))
                for _ in range(rng.choice([1, 1, 2, 3]))
            ],
            barriers=rng.sample(barriers, rng.choice([0, 0, 1, 2])),
        )
    for site in sites:
        for offset in range(0, 92, 9):
            StaffedHoursFactory(site=site, date=first_day + datetime.timedelta(days=offset))


def both_ways(sites, date_from, date_to, group_by, owned=None):
    arguments = {
        "sites": Site.objects.filter(pk__in=[site.pk for site in sites]),
        "date_from": date_from,
        "date_to": date_to,
        "group_by": group_by,
        "area_municipalities": Municipality.objects.filter(code__in=["2481", "2421"]),
        "owned_organisations": owned,
    }
    return compute(**arguments), compute(**arguments, from_rollups=False)


PERIODS = [
    # whole months only, part months only, whole months with parts at both ends, one day,
    # across the new year
    (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)),
    (datetime.date(2026, 1, 5), datetime.date(2026, 1, 20)),
    (datetime.date(2025, 12, 20), datetime.date(2026, 3, 10)),
    (datetime.date(2026, 2, 3), datetime.date(2026, 2, 3)),
    (datetime.date(2025, 12, 31), datetime.date(2026, 1, 1)),
]


# Breakdowns by several dimensions: at most one keyed, with time and place.
COMBINED = [
    ("municipality", "month"),
    ("mode", "month"),
    ("site", "week"),
    ("barrier", "month"),
    ("month", "service", "municipality"),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_rollups_give_the_same_statistics_as_the_visit_tables(sites, seed, date_from, date_to):
    random_visits(sites, seed)
    owned = [sites[0].organisation]
    for group_by in [None, *GROUP_BY_CHOICES, *COMBINED]:
        rolled, exact = both_ways(sites, date_from, date_to, group_by, owned)
        assert rolled.total == exact.total, group_by
        assert rolled.rows == exact.rows, group_by
    assert exact.total["visits"] > 0


@pytest.mark.parametrize("in_scope", [[0, 1, 2, 3], [0, 1, 2], [0, 1], [3]])
def test_rollups_give_the_same_statistics_for_any_part_of_a_region(sites, in_scope):
    # Four sites of one region: all of them and all but one read the region's rows (minus
    # the one), two or one read their own rows; every way must give the same answer.
    sites = [*sites, SiteFactory(code="roll-d", municipality=sites[0].municipality)]
    region = sites[0].municipality.region
    assert Site.objects.filter(municipality__region=region).count() == 4
    random_visits(sites, 6, count=80)
    chosen = [sites[index] for index in in_scope]
    for group_by in [None, "month", "service", "site", "week"]:
        rolled, exact = both_ways(chosen, *PERIODS[2], group_by)
        assert rolled.total == exact.total, group_by
        assert rolled.rows == exact.rows, group_by


def test_the_comparison_covers_every_breakdown_with_data(sites):
    # Guards the test above against comparing empty tables.
    random_visits(sites, 1)
    for group_by in [*GROUP_BY_CHOICES, *COMBINED]:
        rolled, _exact = both_ways(sites, *PERIODS[2], group_by)
        assert len(rolled.rows) >= 2, group_by


def test_a_logged_then_moved_then_removed_visit_moves_the_statistics_along(sites, staff):
    site = sites[0]
    march, april = datetime.date(2026, 3, 10), datetime.date(2026, 4, 10)
    visit = make_visit(site=site, started_at=local(2026, 3, 10, 12))

    def visits_on(day):
        return compute(sites=[site], date_from=day, date_to=day, group_by=None).total["visits"]

    assert (visits_on(march), visits_on(april)) == (1, 0)
    visit_update(visit=visit, updated_by=staff, started_at=local(2026, 4, 10, 12))
    assert (visits_on(march), visits_on(april)) == (0, 1)
    visit_delete(visit=visit, deleted_by=staff)
    assert (visits_on(march), visits_on(april)) == (0, 0)


def test_changed_help_items_change_the_service_breakdown(sites, staff):
    site = sites[0]
    visit = make_visit(
        site=site, started_at=local(2026, 3, 10), help=[("banking.swish", "taught", "resolved")]
    )
    day = datetime.date(2026, 3, 10)
    before = compute(sites=[site], date_from=day, date_to=day, group_by="service")
    assert [row["key"] for row in before.rows] == ["banking.swish"]
    visit_update(
        visit=visit,
        updated_by=staff,
        help_items=[
            HelpItemInput(
                service=EService.objects.get(code="eid.bankid"),
                mode=HelpMode.objects.get(code="guided"),
                outcome=Outcome.objects.get(code="resolved"),
            )
        ],
    )
    after = compute(sites=[site], date_from=day, date_to=day, group_by="service")
    assert [row["key"] for row in after.rows] == ["eid.bankid"]


def test_ingested_visits_are_counted_at_the_next_read(sites):
    site = sites[0]
    day = datetime.date(2026, 3, 12)
    assert compute(sites=[site], date_from=day, date_to=day, group_by=None).total["visits"] == 0
    records = [
        VisitRecord(
            id=uuid.uuid4(),
            site_id=site.pk,
            started_at=local(2026, 3, 12, hour),
            duration_min=20,
            channel_id="walk_in",
            help=(("eid.bankid", "taught", "resolved"),),
        )
        for hour in (9, 10, 23)
    ]
    visit_ingest(records=records, readable=Visit.objects.all())
    assert compute(sites=[site], date_from=day, date_to=day, group_by=None).total["visits"] == 3


def test_a_failed_write_leaves_the_rollups_as_they_were(sites):
    make_visit(site=sites[0], started_at=local(2026, 3, 10))
    before = list(Rollup.objects.order_by("pk").values())
    with pytest.raises(RuntimeError), transaction.atomic():
        make_visit(site=sites[0], started_at=local(2026, 3, 10, 11))
        raise RuntimeError("the request failed")
    assert list(Rollup.objects.order_by("pk").values()) == before
    assert rollup_differences() == []


def test_logging_a_visit_takes_the_same_queries_on_a_day_of_3_or_30_visits(sites):
    counts = []
    for visit_count in (3, 30):
        day = 10 + visit_count // 30
        for number in range(visit_count):
            make_visit(site=sites[0], started_at=local(2026, 3, day, 9 + number % 9))
        with CaptureQueriesContext(connection) as context:
            make_visit(site=sites[0], started_at=local(2026, 3, day, 17))
        counts.append(len(context))
    assert counts[0] == counts[1]


def test_rebuilding_restores_lost_rollup_rows(sites):
    random_visits(sites, 4, count=20)
    expected, _ = both_ways(sites, *PERIODS[2], "service")
    Rollup.objects.all().delete()
    RollupHistogram.objects.all().delete()
    call_command("rollup_rebuild", verbosity=0)
    rolled, exact = both_ways(sites, *PERIODS[2], "service")
    assert rolled.rows == exact.rows == expected.rows


def test_rebuilding_one_site_leaves_the_others_alone(sites):
    random_visits(sites, 5, count=20)
    others = Rollup.objects.exclude(site=sites[0]).count()
    rollup_rebuild(site_ids=[sites[0].pk])
    assert Rollup.objects.exclude(site=sites[0]).count() == others
    rolled, exact = both_ways(sites, *PERIODS[2], "site")
    assert rolled.rows == exact.rows


def test_the_rollup_has_a_column_for_every_additive_measure():
    measures = {name for source in ROLLED_SOURCES for name in additive_measures(source)}
    fields = {field.name for field in Rollup._meta.get_fields()}
    keys = {"id", "grain", "dimension", "source", "site", "day", "key"}
    assert fields - keys == measures
