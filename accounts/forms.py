from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import login_is_locked, login_record_failure, login_record_success


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts. The account is locked for %(minutes)d minutes; "
            "try again later or ask your administrator."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and login_is_locked(username=username):
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                login_record_failure(username=username)
            raise
        login_record_success(username=username)
        return cleaned
