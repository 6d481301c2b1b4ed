"""Everything under /api/ answers in JSON, errors included (SPEC §5)."""

from django.utils.translation import gettext as _
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors stay as DRF gives them ({"field": ["message"]}); add a summary line.
        response.data = {"detail": _("The request has invalid fields."), **response.data}
    return response
