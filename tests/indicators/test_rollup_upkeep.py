"""Every writer of visits keeps the rollups exact in its own transaction, including the admin,
and the operations commands: `rollup_check` finds any difference, `rollup_rebuild` repairs
it and shows its progress."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from indicators.models import Rollup, RollupHistogram
from indicators.rollups import rollup_differences
from tests.factories import SiteFactory, UserFactory
from tests.indicators.factories import local, make_visit
from visits.models import HelpItem, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteFactory(code="upkeep")


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def admin_form(visit: Visit, **changes) -> dict:
    """The admin's change form of `visit` as a browser would send it, with `changes`."""
    started = timezone.localtime(visit.started_at)
    items = list(visit.help_items.all())
    data = {
        "site": visit.site_id,
        "started_at_0": started.date().isoformat(),
        "started_at_1": started.strftime("%H:%M:%S"),
        "duration_min": visit.duration_min,
        "participants": visit.participants,
        "channel": visit.channel_id,
        "age_band": visit.age_band_id,
        "gender": visit.gender,
        "language": visit.language_id,
        "first_visit": "unknown",
        "source": visit.source,
        "note": visit.note,
        "help_items-TOTAL_FORMS": len(items),
        "help_items-INITIAL_FORMS": len(items),
        "help_items-MIN_NUM_FORMS": 0,
        "help_items-MAX_NUM_FORMS": 1000,
    }
    for index, item in enumerate(items):
        data |= {
            f"help_items-{index}-id": item.pk,
            f"help_items-{index}-visit": visit.pk,
            f"help_items-{index}-service": item.service_id,
            f"help_items-{index}-mode": item.mode_id,
            f"help_items-{index}-outcome": item.outcome_id,
        }
    return data | changes


def test_a_visit_changed_in_the_admin_moves_the_statistics_along(site, admin_client):
    visit = make_visit(site=site, started_at=local(2026, 3, 10))
    make_visit(site=site, started_at=local(2026, 3, 11))
    form = admin_form(visit, duration_min=50, **{"help_items-0-service": "1177.login"})
    response = admin_client.post(f"/admin/visits/visit/{visit.pk}/change/", form)
    assert response.status_code == 302, response.context["errors"]
    assert HelpItem.objects.get(visit=visit).service_id == "1177.login"
    assert rollup_differences() == []


def test_visits_deleted_in_the_admin_leave_the_statistics(site, admin_client):
    visits = [make_visit(site=site, started_at=local(2026, 3, day)) for day in (10, 10, 12)]
    response = admin_client.post(
        "/admin/visits/visit/",
        {
            "action": "delete_selected",
            "_selected_action": [v.pk for v in visits[:2]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert Visit.objects.count() == 1
    assert rollup_differences() == []
    assert not Rollup.objects.filter(day=local(2026, 3, 10).date()).exists()


def test_the_check_finds_nothing_after_ordinary_writes(site):
    make_visit(site=site, started_at=local(2026, 3, 10), barriers=["no_eid"])
    out = io.StringIO()
    call_command("rollup_check", stdout=out)
    assert "match" in out.getvalue()


def test_the_check_names_a_rollup_row_that_is_off_and_fails(site):
    make_visit(site=site, started_at=local(2026, 3, 10))
    Rollup.objects.filter(grain="day", dimension="", source="visit").update(visits=F("visits") + 1)
    out = io.StringIO()
    with pytest.raises(CommandError, match="rollup_rebuild"):
        call_command("rollup_check", stdout=out)
    assert "visit tables give [1," in out.getvalue()
    assert "rollups hold [2," in out.getvalue()


def test_the_check_finds_a_missing_region_histogram_row(site):
    make_visit(site=site, started_at=local(2026, 3, 10))
    RollupHistogram.objects.filter(site__isnull=True).delete()
    assert any(line.startswith("region histogram") for line in rollup_differences())


def test_rebuilding_repairs_what_the_check_found_and_shows_progress(site):
    make_visit(site=site, started_at=local(2026, 1, 10))
    make_visit(site=site, started_at=local(2026, 3, 10))
    Rollup.objects.all().delete()
    assert rollup_differences() != []
    out = io.StringIO()
    call_command("rollup_rebuild", stdout=out)
    assert "[" + "#" * 30 + "] 3/3 months" in out.getvalue()
    assert rollup_differences() == []
