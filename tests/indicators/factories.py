"""Factories and helpers for indicator tests: staffed hours, and visits with barriers at a
given Swedish local time."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import factory

from tests.factories import SiteFactory, VisitFactory
from visits.models import AgeBand, Channel, StaffedHours, Visit

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


class StaffedHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffedHours
        django_get_or_create = ["site", "date"]

    site = factory.SubFactory(SiteFactory)
    date = datetime.date(2026, 3, 2)
    open_hours = Decimal("8.00")
    staff_hours = Decimal("8.00")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """An aware datetime in Swedish local time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def make_visit(
    *,
    site: Any,
    started_at: datetime.datetime,
    help: Iterable[tuple[str, str, str]] = (("eid.bankid", "taught", "resolved"),),
    barriers: Iterable[str] = (),
    age_band: str = "75+",
    channel: str = "walk_in",
    **fields: Any,
) -> Visit:
    return VisitFactory(
        site=site,
        started_at=started_at,
        help=list(help),
        barriers=list(barriers),
        age_band=AgeBand.objects.get(code=age_band),
        channel=Channel.objects.get(code=channel),
        **fields,
    )
