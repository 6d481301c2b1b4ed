from __future__ import annotations

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from audit.models import AuditEntry
from servicecenter.bulk_copy import copy_rows, copy_supported

_COPY_FIELDS = ("content_type_id", "object_id", "action", "actor_id", "at", "changes")


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


def audit_scrub_field(*, model: type[models.Model], object_ids: list, field: str) -> int:
    """Blank one field's values in the history of the given objects (personal-data purges:
    a cleared value must not live on in the history)."""
    entries = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in object_ids],
        ).only("pk", "changes")
    )
    scrubbed = []
    for entry in entries:
        values = entry.changes.get(field)
        if values and any(values):
            entry.changes[field] = ["" if value else value for value in values]
            scrubbed.append(entry)
    AuditEntry.objects.bulk_update(scrubbed, ["changes"])
    return len(scrubbed)


def audit_record_many(
    *, model: type[models.Model], actor: Any | None, entries: list[tuple[str, dict]]
) -> None:
    """Record the creation of many objects in one statement (bulk ingest), one entry each."""
    content_type = ContentType.objects.get_for_model(model)
    actor = actor if actor is not None and getattr(actor, "pk", None) else None
    if copy_supported():
        _copy_creations(content_type=content_type, actor=actor, entries=entries)
        return
    AuditEntry.objects.bulk_create(
        AuditEntry(
            content_type=content_type,
            object_id=object_id,
            action=AuditEntry.Action.CREATE,
            actor=actor,
            changes=changes,
        )
        for object_id, changes in entries
    )


def _copy_creations(
    *, content_type: ContentType, actor: Any | None, entries: list[tuple[str, dict]]
) -> None:
    """The rows bulk_create would write, through COPY: the audit rows were the largest
    insert of a bulk ingest (bench/RESULTS.md). `changes` is encoded as JSONField does."""
    encoder = AuditEntry._meta.get_field("changes").encoder
    at = timezone.now()
    actor_id = actor.pk if actor is not None else None
    copy_rows(
        AuditEntry,
        _COPY_FIELDS,
        [
            (
                content_type.pk,
                object_id,
                AuditEntry.Action.CREATE,
                actor_id,
                at,
                json.dumps(changes, cls=encoder),
            )
            for object_id, changes in entries
        ],
    )
