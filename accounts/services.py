"""Login lockout: repeated failed logins for one username lock it for a while.

Counted in the database so that every server process sees the same failures."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import FailedLogin


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(*, username: str) -> bool:
    recent = FailedLogin.objects.filter(username__iexact=username, at__gte=_window_start())
    return recent.count() >= settings.LOGIN_LOCKOUT_ATTEMPTS


@transaction.atomic
def login_record_failure(*, username: str) -> None:
    # Old rows have served their purpose; dropping them here keeps the table small.
    FailedLogin.objects.filter(at__lt=_window_start()).delete()
    FailedLogin.objects.create(username=username[:150])


def login_record_success(*, username: str) -> None:
    FailedLogin.objects.filter(username__iexact=username).delete()
