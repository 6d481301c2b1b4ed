import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from visits.querysets import EServiceQuerySet, TaxonomyQuerySet, VisitQuerySet
from visits.records import (
    CONFIDENCE,
    DURATION_MIN,
    NOTE_MAX_LENGTH,
    NOTE_VALIDATORS,
    PARTICIPANTS,
    Gender,
    Limit,
)


class TaxonomyEntry(models.Model):
    """A code-list entry. The code is the primary key: stable, used by the API and stored on
    every visit as is, so statistics and audit history keep codes, not translations.
    An inactive entry stays valid for old data but is not offered in forms."""

    code = models.CharField(_("code"), max_length=60, primary_key=True)
    label_sv = models.CharField(_("Swedish label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "sv").startswith("en") else self.label_sv


class Provider(TaxonomyEntry):
    """An e-service provider: an agency, the municipality, banks, …"""

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("e-service provider")
        verbose_name_plural = _("e-service providers")


class EService(TaxonomyEntry):
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="services", verbose_name=_("provider")
    )
    keywords = models.CharField(
        _("search words"),
        max_length=300,
        blank=True,
        help_text=_("Extra words the quick search matches, e.g. 'deklaration skatt'."),
    )

    objects = EServiceQuerySet.as_manager()

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("e-service")
        verbose_name_plural = _("e-services")


class HelpMode(TaxonomyEntry):
    """A rung of the inclusion ladder: from being told how, to doing it unaided."""

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("help mode")
        verbose_name_plural = _("help modes")


class Outcome(TaxonomyEntry):
    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")


class Barrier(TaxonomyEntry):
    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("barrier")
        verbose_name_plural = _("barriers")


class Channel(TaxonomyEntry):
    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class AgeBand(TaxonomyEntry):
    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")


class Language(TaxonomyEntry):
    """A language of service, by ISO 639 code."""

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Visit(models.Model):
    """One visit, or one group session, at a site. Anonymous by construction: nothing here
    identifies the visitor, and the note is checked for personal data before it is saved.
    What its values may be (limits, choices, the note's rules) is declared in visits.records,
    which every road to the database checks with."""

    Gender = Gender  # declared with the record's other rules

    class Source(models.TextChoices):
        COUNTER = "counter", _("Counter")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    # The client may choose the id: it is the idempotency key for API and offline sync.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("site"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits_served",
        verbose_name=_("staff member"),
    )
    started_at = models.DateTimeField(_("started at"))
    duration_min = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=DURATION_MIN.validators
    )
    participants = models.PositiveSmallIntegerField(
        _("participants"),
        default=1,
        validators=PARTICIPANTS.validators,
        help_text=_("More than one for a group session, such as a course or a workshop."),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="visits", verbose_name=_("channel")
    )
    age_band = models.ForeignKey(
        AgeBand, on_delete=models.PROTECT, related_name="visits", verbose_name=_("age band")
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNSTATED
    )
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="visits", verbose_name=_("language")
    )
    interpreter = models.BooleanField(_("interpreter"), default=False)
    first_visit = models.BooleanField(_("first visit"), null=True, blank=True)
    visitor_municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resident_visits",
        verbose_name=_("visitor's municipality"),
    )
    barriers = models.ManyToManyField(
        Barrier, blank=True, related_name="visits", verbose_name=_("barriers")
    )
    confidence_before = models.PositiveSmallIntegerField(
        _("confidence before"), null=True, blank=True, validators=CONFIDENCE.validators
    )
    confidence_after = models.PositiveSmallIntegerField(
        _("confidence after"), null=True, blank=True, validators=CONFIDENCE.validators
    )
    note = models.CharField(
        _("note"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        validators=NOTE_VALIDATORS,
        help_text=_("Short and anonymous: no names, personal identity numbers or contact details."),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.COUNTER
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["site", "started_at"], name="visit_site_started"),
            models.Index(fields=["started_at"], name="visit_started"),
            models.Index(fields=["updated_at"], name="visit_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    duration_min__gte=DURATION_MIN.low, duration_min__lte=DURATION_MIN.high
                ),
                name=f"visit_duration_{DURATION_MIN.low}_to_{DURATION_MIN.high}",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    participants__gte=PARTICIPANTS.low, participants__lte=PARTICIPANTS.high
                ),
                name=f"visit_participants_{PARTICIPANTS.low}_to_{PARTICIPANTS.high}",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_before__isnull=True)
                | models.Q(
                    confidence_before__gte=CONFIDENCE.low, confidence_before__lte=CONFIDENCE.high
                ),
                name=f"visit_confidence_before_{CONFIDENCE.low}_to_{CONFIDENCE.high}",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_after__isnull=True)
                | models.Q(
                    confidence_after__gte=CONFIDENCE.low, confidence_after__lte=CONFIDENCE.high
                ),
                name=f"visit_confidence_after_{CONFIDENCE.low}_to_{CONFIDENCE.high}",
            ),
            models.CheckConstraint(
                condition=models.Q(gender__in=Gender.values),
                name="visit_gender_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["counter", "api", "import"]),
                name="visit_source_valid",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), NOTE_MAX_LENGTH),
                name=f"visit_note_max_{NOTE_MAX_LENGTH}",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.started_at:%Y-%m-%d %H:%M}"


class HelpItem(models.Model):
    """One help item within a visit: which e-service, how the visitor was helped, how it went."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="help_items", verbose_name=_("visit")
    )
    service = models.ForeignKey(
        EService, on_delete=models.PROTECT, related_name="help_items", verbose_name=_("e-service")
    )
    mode = models.ForeignKey(
        HelpMode, on_delete=models.PROTECT, related_name="help_items", verbose_name=_("help mode")
    )
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, related_name="help_items", verbose_name=_("outcome")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("help item")
        verbose_name_plural = _("help items")

    def __str__(self) -> str:
        return f"{self.service_id} / {self.mode_id} / {self.outcome_id}"


class StaffedHours(models.Model):
    """Opening hours and staff hours at a site on one day, to relate visitors to staffing."""

    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        related_name="staffed_hours",
        verbose_name=_("site"),
    )
    date = models.DateField(_("date"))
    open_hours = models.DecimalField(_("opening hours"), max_digits=4, decimal_places=2)
    staff_hours = models.DecimalField(_("staff hours"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("staffed hours")
        verbose_name_plural = _("staffed hours")
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="staffed_hours_one_per_site_day"),
            models.CheckConstraint(
                condition=models.Q(open_hours__gte=0, open_hours__lte=24),
                name="staffed_hours_open_0_to_24",
            ),
            models.CheckConstraint(
                condition=models.Q(staff_hours__gte=0, staff_hours__lte=240),
                name="staffed_hours_staff_0_to_240",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.date}"


# --- Staffing: the regular week and its exceptions, from which StaffedHours are written ------

# At most ten on duty: a day is shorter than 24 hours, so a day's staff hours stay within
# StaffedHours' 0–240 check whatever the hours.
STAFF_ON_DUTY = Limit(0, 10)
STAFFING_NOTE_MAX_LENGTH = 100
CLOSES_AFTER_OPENS = _("The closing time must be after the opening time.")


class Weekday(models.IntegerChoices):
    """Python's numbering (date.weekday()), Monday first as in a Swedish week."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class StaffingPattern(models.Model):
    """One open weekday of a site's regular week: its opening hours and the staff on duty.
    A weekday without a row is closed. Only the current week is kept: what earlier weeks
    were is kept in the StaffedHours rows written from them, and in the audit history."""

    Weekday = Weekday

    # A site's settings rather than records: they go with the site (its StaffedHours rows,
    # the records, protect it while they exist).
    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.CASCADE,
        related_name="staffing_pattern",
        verbose_name=_("site"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    staff_on_duty = models.PositiveSmallIntegerField(
        _("staff on duty"), validators=STAFF_ON_DUTY.validators
    )

    class Meta:
        ordering = ["site", "weekday"]
        verbose_name = _("weekly opening hours")
        verbose_name_plural = _("weekly opening hours")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "weekday"], name="staffing_pattern_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="staffing_pattern_weekday_0_to_6",
            ),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="staffing_pattern_closes_after_opens",
                violation_error_message=CLOSES_AFTER_OPENS,
            ),
            models.CheckConstraint(
                condition=models.Q(
                    staff_on_duty__gte=STAFF_ON_DUTY.low, staff_on_duty__lte=STAFF_ON_DUTY.high
                ),
                name=f"staffing_pattern_staff_{STAFF_ON_DUTY.low}_to_{STAFF_ON_DUTY.high}",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class StaffingException(models.Model):
    """One date on which a site departs from its regular week: closed (a staff day, a
    closure), or open with other hours, which also opens a public holiday."""

    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.CASCADE,
        related_name="staffing_exceptions",
        verbose_name=_("site"),
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed"), default=True)
    # Set exactly when the site is open that day.
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    staff_on_duty = models.PositiveSmallIntegerField(
        _("staff on duty"), null=True, blank=True, validators=STAFF_ON_DUTY.validators
    )
    # Shown to managers only, but free text all the same: no personal data (SPEC §3).
    note = models.CharField(
        _("note"),
        max_length=STAFFING_NOTE_MAX_LENGTH,
        blank=True,
        validators=NOTE_VALIDATORS,
        help_text=_("For example “Midsommarafton” or “Staff training”."),
    )

    class Meta:
        ordering = ["site", "date"]
        verbose_name = _("opening hours exception")
        verbose_name_plural = _("opening hours exceptions")
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="staffing_exception_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(
                    closed=True, opens__isnull=True, closes__isnull=True, staff_on_duty__isnull=True
                )
                | models.Q(
                    closed=False,
                    opens__isnull=False,
                    closes__isnull=False,
                    staff_on_duty__isnull=False,
                    closes__gt=models.F("opens"),
                ),
                name="staffing_exception_hours_when_open",
                violation_error_message=_(
                    "A closed day has no hours; an open day needs an opening time, a later "
                    "closing time and the staff on duty."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(staff_on_duty__isnull=True)
                | models.Q(
                    staff_on_duty__gte=STAFF_ON_DUTY.low, staff_on_duty__lte=STAFF_ON_DUTY.high
                ),
                name=f"staffing_exception_staff_{STAFF_ON_DUTY.low}_to_{STAFF_ON_DUTY.high}",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), STAFFING_NOTE_MAX_LENGTH),
                name=f"staffing_exception_note_max_{STAFFING_NOTE_MAX_LENGTH}",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.date}"
