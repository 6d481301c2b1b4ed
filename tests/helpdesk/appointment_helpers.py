"""Appointments made through the workflows (helpdesk.appointment_services), as staff make
them, for the appointments' tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from helpdesk.appointment_services import appointment_book
from helpdesk.models import Appointment
from organisations.models import Membership, Site
from tests.factories import MembershipFactory, UserFactory

# A Monday in March 2026, and the moment the tests book from: early that morning.
DAY = datetime.date(2026, 3, 16)
EARLY = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(7, 0)))


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    """A moment of `day` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def colleague(site: Site, username: str = "kollega", **fields):
    """Another member of the site's counter staff."""
    user = UserFactory(username=username, **fields)
    MembershipFactory(user=user, site=site, role=Membership.Role.STAFF)
    return user


def book(
    site: Site,
    staff,
    start: datetime.datetime,
    minutes: int = 30,
    now: datetime.datetime | None = None,
    **fields,
) -> Appointment:
    """A booking of `staff` from `start`, `minutes` long, made at `now` (the start of the
    booked day unless given, so that any time of it can still be booked)."""
    if now is None:
        now = timezone.make_aware(
            datetime.datetime.combine(timezone.localdate(start), datetime.time.min)
        )
    return appointment_book(
        site=site,
        staff=staff,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        booked_by=fields.pop("booked_by", staff),
        now=now,
        **fields,
    )
