from django.db import models
from django.utils.translation import gettext_lazy as _


class FailedLogin(models.Model):
    """A failed login, kept briefly to lock out password guessing across server processes."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
