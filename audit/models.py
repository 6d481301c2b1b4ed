from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditEntryQuerySet


class AuditEntry(models.Model):
    """Who changed what, and when. Values are stored as codes and raw values so that the
    history stays true when labels are renamed; they are translated only when shown."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    # Text, so that both UUID and integer keys fit; no foreign key, so deletions stay recorded.
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=dict, help_text=_("{field: [old, new]}"))

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["create", "update", "delete"]),
                name="audit_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.content_type.model} {self.object_id}"
