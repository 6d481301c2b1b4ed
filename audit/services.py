from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def audit_record(
    *, instance: models.Model, action: str, actor: Any | None, changes: dict[str, list[Any]]
) -> AuditEntry:
    """Append one entry to the history; called inside the workflow's own transaction."""
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes=changes,
    )
