from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisations.querysets import MembershipQuerySet, SiteQuerySet


class Region(models.Model):
    """A Swedish county (län), identified by its two-digit SCB code."""

    code = models.CharField(
        _("SCB county code"), max_length=2, unique=True, validators=[RegexValidator(r"^\d{2}$")]
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("code"), 2), name="region_code_two_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommun) with its four-digit SCB code and a dated population figure."""

    code = models.CharField(
        _("SCB municipality code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$")],
    )
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    population = models.PositiveIntegerField(_("population"), validators=[MinValueValidator(1)])
    population_date = models.DateField(_("population as of"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("code"), 4), name="municipality_code_four_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(population__gt=0), name="municipality_population_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organisation(models.Model):
    """Owns sites, their data and API keys: the region, a municipality, a library."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        MUNICIPALITY = "municipality", _("Municipality")
        LIBRARY = "library", _("Library")
        OTHER = "other", pgettext_lazy("organisation kind", "Other")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("region"),
        help_text=_("The county the organisation works in; analysts read statistics for it."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["region", "municipality", "library", "other"]),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Words the site's URLs use beside its code (/visits/list/, /visits/<code>/): no site may be
# called by one of them.
RESERVED_SITE_CODES = ("list", "visit")


class Site(models.Model):
    """A place where help is given; `code` is the stable slug the API and URLs use."""

    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", _("Service centre")
        LIBRARY = "library", _("Library")
        OUTREACH = "outreach", _("Outreach")
        MOBILE = "mobile", _("Mobile")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    case_prefix = models.CharField(
        _("case number prefix"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2,5}$")],
        help_text=_("Two to five capital letters, e.g. LYC for LYC-2026-00042."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["service_centre", "library", "outreach", "mobile"]),
                name="site_kind_valid",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("code"), 2), name="site_code_not_trivial"
            ),
            # Case numbers (LYC-2026-00042) are unique across sites only if prefixes are.
            models.UniqueConstraint(
                fields=["case_prefix"],
                condition=~models.Q(case_prefix=""),
                name="site_case_prefix_unique",
                violation_error_message=_("Another site already uses this case number prefix."),
            ),
            models.CheckConstraint(
                condition=~models.Q(code__in=RESERVED_SITE_CODES),
                name="site_code_not_reserved",
                violation_error_message=_("This code is a word the site's addresses use."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """What a user may do for an organisation, or for one of its sites only."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Counter staff")
        MANAGER = "manager", _("Manager")
        ANALYST = "analyst", _("Regional analyst")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("site"),
        help_text=_("Leave empty for every site of the organisation."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["staff", "manager", "analyst", "admin"]),
                name="membership_role_valid",
            ),
            # NULL never equals NULL in a unique index, so organisation-wide memberships need
            # their own partial constraint.
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(site__isnull=True),
                name="membership_unique_organisation_wide",
            ),
            models.UniqueConstraint(
                fields=["user", "site", "role"],
                condition=models.Q(site__isnull=False),
                name="membership_unique_per_site",
            ),
        ]

    def __str__(self) -> str:
        where = self.site or self.organisation
        return f"{self.user} – {self.get_role_display()} – {where}"

    def clean(self) -> None:
        if (
            self.site_id
            and self.organisation_id
            and self.site.organisation_id != self.organisation_id
        ):
            raise ValidationError({"site": _("The site must belong to the organisation.")})
