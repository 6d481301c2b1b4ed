"""Rollups: the indicator measures summed per site, day (and month), dimension and key, so
that statistics read thousands of pre-summed rows instead of millions of visits.

The rows are derived data, kept by `indicators.rollups` with the measures of
`indicators.definitions` (so each indicator stays defined once): every writer of visits
applies its change's difference in its own transaction, so the rows always match the
committed visits and reading them never writes. Nothing else writes these tables.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.querysets import RollupQuerySet
from organisations.models import Region, Site


class Grain(models.TextChoices):
    DAY = "day", _("day")
    # A month row is the sum of the month's day rows; `day` holds the month's first day.
    MONTH = "month", _("month")


class Rollup(models.Model):
    """The additive measures (COUNT and SUM) of one source's rows at one site on one day or
    month, for one key of one dimension. `dimension` is empty for the site's plain rows,
    which serve totals and breakdowns by month, week, site and municipality; `resident`
    rows are keyed by the visitor's municipality (visits per 1,000 inhabitants).

    Visit-source rows fill the visit measures, help-item-source rows the help-item measures
    (the others stay 0), so summing both kinds of rows of a key gives every measure."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    dimension = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=20)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    key = models.CharField(max_length=60, blank=True)

    # One column per additive measure of the visit and help-item sources, named as the
    # measure (tests/indicators/test_rollups.py keeps the two lists equal).
    visits = models.BigIntegerField(db_default=0)
    participants = models.BigIntegerField(db_default=0)
    first_visits = models.BigIntegerField(db_default=0)
    first_visit_known = models.BigIntegerField(db_default=0)
    confidence_change_sum = models.BigIntegerField(db_default=0)
    confidence_pairs = models.BigIntegerField(db_default=0)
    age_65_plus = models.BigIntegerField(db_default=0)
    age_known = models.BigIntegerField(db_default=0)
    help_items = models.BigIntegerField(db_default=0)
    self_reliant_items = models.BigIntegerField(db_default=0)
    on_behalf_items = models.BigIntegerField(db_default=0)
    referred_items = models.BigIntegerField(db_default=0)
    resolved_items = models.BigIntegerField(db_default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index every read uses: grain and dimension are fixed, sites a list,
            # days a range.
            models.UniqueConstraint(
                fields=["grain", "dimension", "site", "day", "key", "source"],
                name="rollup_unique_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.dimension or '-'} {self.site_id} {self.day} {self.key}"


class RollupHistogram(models.Model):
    """How many rows have each value of a median's argument (e.g. visits per duration in
    minutes) at one site on one day or month, per dimension and key: the exact median of
    any set of cells is read from the summed counts.

    Month rows also exist per region (`site` empty): the sum over all its sites. Reading a
    region's statistics then takes one row per value instead of one per site and value,
    and most other site sets of a region are its rows minus those of the few sites left
    out (counts subtract exactly)."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    dimension = models.CharField(max_length=20, blank=True)
    measure = models.CharField(max_length=40)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="+", db_index=False, null=True
    )
    day = models.DateField()
    key = models.CharField(max_length=60, blank=True)
    value = models.IntegerField()
    count = models.BigIntegerField()

    objects = RollupQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "dimension", "measure", "site", "day", "key", "value"],
                condition=models.Q(site__isnull=False),
                name="rollup_histogram_unique_cell",
            ),
            models.UniqueConstraint(
                fields=["grain", "dimension", "measure", "region", "day", "key", "value"],
                condition=models.Q(site__isnull=True),
                name="rollup_histogram_unique_region_cell",
            ),
            models.CheckConstraint(
                condition=models.Q(site__isnull=False) | models.Q(grain=Grain.MONTH),
                name="rollup_histogram_region_rows_are_months",
            ),
        ]

    def __str__(self) -> str:
        where = self.site_id or f"region {self.region_id}"
        return f"{self.measure} {where} {self.day} {self.key} {self.value}"
