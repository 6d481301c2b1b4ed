"""The dates the API accepts. Far outside them a date is a client's mistake, and near the
ends of Python's and the databases' ranges arithmetic overflows; both deserve a 400."""

import datetime

from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
OUT_OF_RANGE = _("Give a date between 2000-01-01 and 2100-12-31.")


def date_in_range(value: datetime.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE
