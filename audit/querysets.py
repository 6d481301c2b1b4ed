from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, instance: models.Model) -> AuditEntryQuerySet:
        """The history of one object, oldest first, with who did each step."""
        return (
            self.filter(
                content_type=ContentType.objects.get_for_model(instance),
                object_id=str(instance.pk),
            )
            .select_related("actor")
            .order_by("at", "id")
        )
