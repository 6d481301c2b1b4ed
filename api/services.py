"""API key workflows."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from api.models import ApiKey
from organisations.models import Organisation

KEY_SEPARATOR = "."


@transaction.atomic
def api_key_create(
    *, organisation: Organisation, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is shown this once and never stored."""
    prefix = f"sc_{secrets.token_hex(4)}"
    key = f"{prefix}{KEY_SEPARATOR}{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        key_hash=ApiKey.hash(key),
        expires_at=expires_at,
    )
    return api_key, key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """The usable key matching `key`, or None. Marks it used (at most once a minute, so a
    busy client does not turn every read into a write)."""
    prefix, separator, _secret = key.partition(KEY_SEPARATOR)
    if not separator:
        return None
    api_key = (
        ApiKey.objects.usable()
        .select_related("organisation")
        .filter(prefix=prefix, key_hash=ApiKey.hash(key))
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > datetime.timedelta(minutes=1):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
