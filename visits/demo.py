"""Demo data for a development database (`manage.py seed_demo`).

Eighteen months of invented but plausible visits at three service centres in southern
Lapland and a partner library, plus one login per role. Everything comes from one seeded
`random.Random`, visit ids are uuid5 of site and running number, and the window ends at the
start of today, so a second run on the same day writes exactly the same rows. The window
stops before today because a visit may not start in the future, and cutting at "now" would
make the counts depend on the time of day.

Rows are bulk-inserted without `visit_log`: no audit entries, no live broadcasts and no
`full_clean`, so every value is valid by construction. `created_at`/`updated_at` are set to
the end of each visit afterwards, as if staff had logged it as they finished.
"""

from __future__ import annotations

import calendar
import datetime
import math
import random
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from indicators.rollups import rollup_rebuild
from organisations.models import Membership, Municipality, Organisation, Region, Site
from visits.models import (
    HelpItem,
    StaffedHours,
    StaffingException,
    StaffingPattern,
    Visit,
    Weekday,
)
from visits.services import staffed_hours_refresh, staffing_horizon

T = TypeVar("T")

DEMO_PASSWORD = "demo12345"
DEFAULT_VISITS = 20_000
DEFAULT_SEED = 2481
MONTHS = 18
# Fixed, so that visit ids survive reruns; uuid5 of it and "<site>-<n>" names each visit.
ID_NAMESPACE = uuid.UUID("5e7c1c3e-9a51-4f0e-8d5b-3f1c2a6b7d24")
REGION_CODE = "24"  # Västerbotten


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    kind: str
    organisation: str
    municipality: str
    case_prefix: str
    share: float  # of all individual visits
    staff_username: str | None  # None: visits arrive through the API
    staff_on_duty: tuple[int, int]  # fewest and most staff on an open day
    summer_closed_weeks: frozenset[int] = frozenset()  # ISO weeks


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    role: str
    organisation: str
    site: str | None
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoSummary:
    visits: int
    help_items: int
    sites: int
    usernames: list[str]


# fmt: off
# The tables below are read as tables; one entry per line would hide their shape.
ORGANISATIONS = {
    # code: (name, kind)
    "region-vasterbotten": ("Region Västerbotten", Organisation.Kind.REGION),
    "lycksele-bibliotek": ("Lycksele bibliotek", Organisation.Kind.LIBRARY),
}

# The small centres close for four weeks in high summer; Lycksele stays open for the region.
SUMMER_BREAK = frozenset(range(28, 32))
SITES = [
    SiteSpec(code="lycksele", name="Servicecenter Lycksele", kind=Site.Kind.SERVICE_CENTRE,
             organisation="region-vasterbotten", municipality="2481", case_prefix="LYC",
             share=0.44, staff_username="staff-lycksele", staff_on_duty=(2, 3)),
    SiteSpec(code="storuman", name="Servicecenter Storuman", kind=Site.Kind.SERVICE_CENTRE,
             organisation="region-vasterbotten", municipality="2421", case_prefix="STO",
             share=0.24, staff_username="staff-storuman", staff_on_duty=(1, 2),
             summer_closed_weeks=SUMMER_BREAK),
    SiteSpec(code="asele", name="Servicecenter Åsele", kind=Site.Kind.SERVICE_CENTRE,
             organisation="region-vasterbotten", municipality="2463", case_prefix="ASE",
             share=0.12, staff_username="staff-asele", staff_on_duty=(1, 1),
             summer_closed_weeks=SUMMER_BREAK),
    SiteSpec(code="lycksele-bibliotek", name="Lycksele bibliotek", kind=Site.Kind.LIBRARY,
             organisation="lycksele-bibliotek", municipality="2481", case_prefix="LYB",
             share=0.20, staff_username=None, staff_on_duty=(0, 0)),
]

R = Membership.Role
USERS = [
    UserSpec("staff-lycksele", "Anna", R.STAFF, "region-vasterbotten", "lycksele"),
    UserSpec("manager-lycksele", "Erik", R.MANAGER, "region-vasterbotten", "lycksele"),
    UserSpec("analyst", "Maria", R.ANALYST, "region-vasterbotten", None),
    UserSpec("admin", "Lars", R.ADMIN, "region-vasterbotten", None, is_superuser=True),
    UserSpec("staff-storuman", "Karin", R.STAFF, "region-vasterbotten", "storuman"),
    UserSpec("staff-asele", "Johan", R.STAFF, "region-vasterbotten", "asele"),
    UserSpec("staff-bibliotek", "Sara", R.STAFF, "lycksele-bibliotek", "lycksele-bibliotek"),
]

# Where visitors live besides the site's own municipality: the surrounding inland, and Umeå.
NEARBY_MUNICIPALITIES = {
    "2481": ("2421", "2422", "2418", "2417", "2404", "2463", "2462", "2480"),
    "2421": ("2422", "2462", "2481"),
    "2463": ("2462", "2425", "2481"),
}

# --- When people come -----------------------------------------------------------------------
# Tax returns in spring, a long quiet summer, fewer help items around Christmas.
MONTH_FACTOR = {1: 1.0, 2: 1.05, 3: 1.3, 4: 1.45, 5: 1.3, 6: 0.85,
                7: 0.3, 8: 0.8, 9: 1.05, 10: 1.15, 11: 1.1, 12: 0.75}
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.8, 0.5, 0.0)  # Monday first; Saturday: library only
DAY_NOISE = 0.3  # sigma of a log-normal factor, so that no two Tuesdays look the same
FIXED_HOLIDAYS = {(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)}
BETWEEN_HOLIDAYS_FACTOR = 0.35  # 27–30 December
HOURS = {  # start hour: weight; the dip at twelve is lunch
    Site.Kind.SERVICE_CENTRE: {9: 8, 10: 12, 11: 12, 12: 4, 13: 10, 14: 11, 15: 7},
    Site.Kind.LIBRARY: {10: 6, 11: 9, 12: 5, 13: 9, 14: 10, 15: 10, 16: 8, 17: 4},
}
SATURDAY_HOURS = {11: 1, 12: 1, 13: 1}
LIBRARY_SATURDAY_MONTHS = {1, 2, 3, 4, 5, 9, 10, 11, 12}

GROUP_SITE = "lycksele"
GROUP_TITLE = "BankID för seniorer"
GROUP_START = datetime.time(13, 30)
GROUP_PARTICIPANTS = (4, 15)
GROUP_MAX_SHARE = 1 / 40  # keeps small test runs mostly individual visits

# --- Who comes ------------------------------------------------------------------------------
IMMIGRANT_LANGUAGES = {"ar", "so", "ti", "fa", "uk", "en"}  # the rest: Swedish, minority languages
LANGUAGE_WEIGHTS = {"sv": 860, "ar": 35, "so": 20, "ti": 14, "fa": 14, "uk": 20, "fi": 12,
                    "en": 10, "se": 6, "sma": 4, "sju": 3}
INTERPRETER_CHANCE = {"newcomer": 0.3, "minority": 0.05}
AGE_WEIGHTS = {
    "settled":  {"0-17": 1, "18-29": 6, "30-44": 9, "45-64": 18, "65-74": 27, "75+": 32,
                 "unknown": 7},
    "newcomer": {"0-17": 2, "18-29": 24, "30-44": 32, "45-64": 22, "65-74": 8, "75+": 4,
                 "unknown": 8},
}
SENIOR_AGES = {"65-74", "75+"}
GENDER_WEIGHTS = {"woman": 52, "man": 42, "other": 1, "unstated": 5}
FIRST_VISIT_WEIGHTS: dict[bool | None, float] = {True: 25, False: 60, None: 15}
CHANNEL_WEIGHTS = {
    Site.Kind.SERVICE_CENTRE: {"walk_in": 62, "booked": 25, "phone": 10, "video": 2,
                               "outreach": 1},
    Site.Kind.LIBRARY: {"walk_in": 85, "booked": 10, "phone": 5},
}
HOME_MUNICIPALITY_SHARE = 0.78
NEARBY_MUNICIPALITY_SHARE = 0.15  # the rest did not say
# Independent chances per visitor profile; at most MAX_BARRIERS are kept.
BARRIER_CHANCE = {
    "senior":   {"skills": 0.35, "no_eid": 0.22, "trust": 0.10, "disability": 0.07,
                 "no_device": 0.05, "service_fault": 0.03},
    "newcomer": {"language": 0.6, "no_eid": 0.2, "skills": 0.1, "service_fault": 0.03},
    "other":    {"skills": 0.08, "no_eid": 0.08, "service_fault": 0.06, "no_device": 0.04,
                 "no_connection": 0.04, "disability": 0.03},
}
MAX_BARRIERS = 2
CONFIDENCE_SHARE = 0.4  # of visitors answer the two questions
CONFIDENCE_BEFORE = {
    "senior":   {1: 25, 2: 35, 3: 28, 4: 10, 5: 2},
    "newcomer": {1: 15, 2: 30, 3: 35, 4: 15, 5: 5},
    "other":    {1: 8, 2: 20, 3: 37, 4: 25, 5: 10},
}
CONFIDENCE_GAIN = {-1: 4, 0: 30, 1: 46, 2: 20}
NOTE_SHARE = 0.12
NOTES = [  # anonymous by construction: no names, numbers or contact details
    "Hjälp med inloggning", "Visade hur man byter lösenord", "Glömt säkerhetskoden till appen",
    "Uppdaterade appen och testade inloggning", "Behövde hjälp att hitta rätt blankett",
    "Återkommer när intyget har kommit", "Visade hur Mobilt BankID förnyas",
    "Hänvisad till myndighetens kundtjänst", "Fel i e-tjänsten, prova igen senare",
    "Ville lära sig Swish", "Skannade in intyg med mobilen", "Bokade tid för uppföljning",
]

# --- What they need help with ---------------------------------------------------------------
SERVICE_WEIGHTS = {
    "eid.bankid": 14, "eid.freja": 2,
    "skatteverket.declaration": 6, "skatteverket.address": 2, "skatteverket.certificate": 2,
    "skatteverket.id_card": 1.5, "skatteverket.preliminary_tax": 1,
    "forsakringskassan.parental": 1.5, "forsakringskassan.housing": 2,
    "forsakringskassan.sickness": 2, "forsakringskassan.child_allowance": 1.5,
    "arbetsformedlingen.register": 2, "arbetsformedlingen.activity_report": 3,
    "arbetsformedlingen.job_search": 3,
    "pensionsmyndigheten.apply": 2, "pensionsmyndigheten.housing_supplement": 3,
    "1177.login": 7, "1177.booking": 5, "1177.prescriptions": 4, "1177.records": 2,
    "csn.apply": 1, "csn.repayment": 0.8,
    "polisen.passport": 2, "polisen.report": 0.5,
    "transportstyrelsen.vehicle": 1.5, "transportstyrelsen.licence": 1,
    "migrationsverket.permit": 1.5, "migrationsverket.citizenship": 1,
    "mailbox.kivra": 6, "mailbox.mina_meddelanden": 2,
    "municipality.eservices": 2, "municipality.school": 1, "municipality.care": 1.5,
    "banking.internet_bank": 6, "banking.swish": 5, "banking.card_payment": 2,
    "device.basics": 7, "device.security": 5, "device.email": 3, "device.wifi": 2,
}
# Per month, January first. Tax returns open in March and are due early May; BankID
# renewals pile up in autumn when certificates issued in campaigns expire.
SERVICE_SEASON = {
    "skatteverket.declaration":     (0.15, 1, 4, 6, 4, 0.5, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15),
    "eid.bankid":                   (1, 1, 1.1, 1.1, 1, 0.9, 0.9, 1, 1.4, 1.6, 1.5, 1.1),
    "skatteverket.preliminary_tax": (2, 1.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2),
    "csn.apply":                    (2, 1, 1, 1, 1, 1.5, 2, 3, 1.5, 1, 1, 1),
}
# By service code or, failing that, provider code.
PROFILE_SERVICE_FACTOR = {
    "senior":   {"pensionsmyndigheten": 3, "1177": 1.5, "device": 1.3, "arbetsformedlingen": 0.05,
                 "csn": 0.05, "forsakringskassan.parental": 0.05, "municipality.school": 0.1},
    "newcomer": {"migrationsverket": 6, "arbetsformedlingen": 3, "forsakringskassan": 2,
                 "csn": 2, "pensionsmyndigheten": 0.2},
    "other":    {"pensionsmyndigheten": 0.2},
}
HELP_ITEM_COUNT = {1: 60, 2: 30, 3: 10}
MODE_WEIGHTS = {"info": 14, "guided": 36, "on_behalf": 28, "taught": 12, "referred": 10}
# BankID is what the centres teach: the visitor should leave able to renew it alone.
MODE_WEIGHTS_BANKID = {"info": 8, "guided": 30, "on_behalf": 12, "taught": 40, "referred": 10}
OUTCOME_WEIGHTS = {"resolved": 72, "partly": 17, "unresolved": 8, "referred": 3}
OUTCOME_WEIGHTS_REFERRED = {"referred": 85, "unresolved": 15}
# Log-normal around a median; seniors, extra help items and interpreters take longer.
DURATION_MEDIAN_MIN = 18
DURATION_SIGMA = 0.5
SENIOR_DURATION_FACTOR = 1.2
EXTRA_ITEM_MIN = 7
INTERPRETER_EXTRA_MIN = 10
GROUP_DURATION_MIN = 90
# fmt: on

BATCH_SIZE = 1000  # Django lowers it further on SQLite to stay under the variable limit


@transaction.atomic
def demo_seed(
    *,
    visits: int = DEFAULT_VISITS,
    seed: int = DEFAULT_SEED,
    today: datetime.date | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> DemoSummary:
    """Create or refresh the demo organisations, sites, logins, visits and staffed hours.
    Visits, help items and staffed hours at the demo sites are replaced as a whole."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = _months_before(today, MONTHS)
    sites = _ensure_sites()
    users = _ensure_users(sites)

    Visit.objects.filter(site__in=sites.values()).delete()
    StaffedHours.objects.filter(site__in=sites.values()).delete()

    plan = _plan(rng, total=visits, start=start, end=today)
    generator = _VisitGenerator(rng, sites=sites, users=users)
    visit_count = help_count = 0
    durations: set[int] = set()
    for month, days in plan.items():
        rows = [
            row
            for site_code, day, count, group in days
            for row in generator.day(site_code, day, count, group=group)
        ]
        _insert(rows)
        visit_count += len(rows)
        help_count += sum(len(items) for _, items, _ in rows)
        durations.update(visit.duration_min for visit, _, _ in rows)
        progress(f"{month:%Y-%m}: {len(rows)} visits")
    _stamp_created_at(sites.values(), durations)
    progress("statistics rollups")
    rollup_rebuild(site_ids=[site.pk for site in sites.values()])
    staffed_hours = _staffed_hours(rng, sites=sites, start=start, end=today)
    StaffedHours.objects.bulk_create(staffed_hours, batch_size=BATCH_SIZE)
    _ensure_staffing(sites, today=today)
    return DemoSummary(visit_count, help_count, len(sites), [u.username for u in USERS])


# --- Organisations and people -------------------------------------------------------------


def _ensure_sites() -> dict[str, Site]:
    region = Region.objects.get(code=REGION_CODE)
    organisations = {
        code: Organisation.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": region}
        )[0]
        for code, (name, kind) in ORGANISATIONS.items()
    }
    municipalities = _municipality_ids()
    return {
        spec.code: Site.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "organisation": organisations[spec.organisation],
                "municipality_id": municipalities[spec.municipality],
                "case_prefix": spec.case_prefix,
                "is_active": True,
            },
        )[0]
        for spec in SITES
    }


def _ensure_users(sites: dict[str, Site]) -> dict[str, AbstractUser]:
    users = {}
    for spec in USERS:
        user, _ = get_user_model().objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "is_active": True,
                "is_staff": spec.is_superuser,
                "is_superuser": spec.is_superuser,
            },
        )
        # Reset on every run, so a password changed while trying the demo comes back.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        site = sites[spec.site] if spec.site else None
        organisation = (
            site.organisation if site else Organisation.objects.get(code=spec.organisation)
        )
        Membership.objects.get_or_create(
            user=user, organisation=organisation, site=site, role=spec.role
        )
        users[spec.username] = user
    return users


def _municipality_ids() -> dict[str, int]:
    codes = {spec.municipality for spec in SITES}
    codes.update(code for nearby in NEARBY_MUNICIPALITIES.values() for code in nearby)
    return dict(Municipality.objects.filter(code__in=codes).values_list("code", "id"))


# --- Calendar -----------------------------------------------------------------------------


def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return day.replace(year=year, month=month0 + 1, day=min(day.day, last_day))


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days)]


def _is_holiday(day: datetime.date) -> bool:
    midsummer_eve = day.month == 6 and 19 <= day.day <= 25 and day.weekday() == 4
    return (day.month, day.day) in FIXED_HOLIDAYS or midsummer_eve


def _is_open(spec: SiteSpec, day: datetime.date) -> bool:
    if _is_holiday(day) or day.isocalendar().week in spec.summer_closed_weeks:
        return False
    if day.weekday() == 5:
        return spec.kind == Site.Kind.LIBRARY and day.month in LIBRARY_SATURDAY_MONTHS
    return day.weekday() < 5


def _day_weight(day: datetime.date) -> float:
    weight = MONTH_FACTOR[day.month] * WEEKDAY_FACTOR[day.weekday()]
    if day.month == 12 and 27 <= day.day <= 30:
        weight *= BETWEEN_HOLIDAYS_FACTOR
    return weight


def _is_group_day(day: datetime.date) -> bool:
    # The course runs on Wednesday afternoons, with a summer break.
    return day.weekday() == 2 and day.month not in (6, 7, 8)


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights`, exactly (largest remainder)."""
    exact = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


PlanDay = tuple[str, datetime.date, int, bool]  # site code, day, individual visits, group?


def _plan(
    rng: random.Random, *, total: int, start: datetime.date, end: datetime.date
) -> dict[datetime.date, list[PlanDay]]:
    """How many visits each site has on each day, grouped by month (first day as key)."""
    days = _days(start, end)
    open_days = {spec.code: [d for d in days if _is_open(spec, d)] for spec in SITES}
    group_days = [d for d in open_days[GROUP_SITE] if _is_group_day(d)]
    max_groups = int(total * GROUP_MAX_SHARE)
    if len(group_days) > max_groups:
        group_days = rng.sample(group_days, max_groups)
    groups = set(group_days)
    site_totals = _allocate(total - len(groups), [spec.share for spec in SITES])
    plan: dict[datetime.date, list[PlanDay]] = {}
    for spec, site_total in zip(SITES, site_totals, strict=True):
        weights = [_day_weight(d) * rng.lognormvariate(0, DAY_NOISE) for d in open_days[spec.code]]
        for day, count in zip(open_days[spec.code], _allocate(site_total, weights), strict=True):
            group = spec.code == GROUP_SITE and day in groups
            if count or group:
                plan.setdefault(day.replace(day=1), []).append((spec.code, day, count, group))
    return dict(sorted(plan.items()))


# --- Visits -------------------------------------------------------------------------------

VisitRow = tuple[Visit, list[HelpItem], list[str]]


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _service_table(month: int, profile: str) -> tuple[list[str], list[float]]:
    factors = PROFILE_SERVICE_FACTOR[profile]
    weights = [
        weight
        * SERVICE_SEASON.get(code, (1,) * 12)[month - 1]
        * factors.get(code, factors.get(code.split(".")[0], 1))
        for code, weight in SERVICE_WEIGHTS.items()
    ]
    return list(SERVICE_WEIGHTS), list(accumulate(weights))


class _VisitGenerator:
    """Turns a planned day into visit rows. Keeps a running number per site for the ids."""

    def __init__(
        self, rng: random.Random, *, sites: dict[str, Site], users: dict[str, AbstractUser]
    ):
        self.rng = rng
        self.sites = sites
        self.users = users
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.municipalities = _municipality_ids()
        self.specs = {spec.code: spec for spec in SITES}
        self.numbers = dict.fromkeys(self.specs, 0)
        self.services = {
            (m, p): _service_table(m, p) for m in range(1, 13) for p in PROFILE_SERVICE_FACTOR
        }

    def day(self, site_code: str, day: datetime.date, count: int, *, group: bool) -> list[VisitRow]:
        spec = self.specs[site_code]
        hours = SATURDAY_HOURS if day.weekday() == 5 else HOURS[spec.kind]
        starts = [
            datetime.time(_pick(self.rng, hours), self.rng.randrange(60)) for _ in range(count)
        ]
        if group:
            starts.append(GROUP_START)
        rows = []
        for start in sorted(starts):
            started_at = datetime.datetime.combine(day, start, tzinfo=self.zone)
            if group and start == GROUP_START:
                group = False
                rows.append(self._group_session(spec, started_at))
            else:
                rows.append(self._visit(spec, started_at))
        return rows

    def _new_visit(self, spec: SiteSpec, started_at: datetime.datetime, **values) -> Visit:
        number = self.numbers[spec.code] = self.numbers[spec.code] + 1
        staff = self.users[spec.staff_username] if spec.staff_username else None
        return Visit(
            id=uuid.uuid5(ID_NAMESPACE, f"{spec.code}-{number}"),
            site=self.sites[spec.code],
            started_at=started_at,
            staff=staff,
            created_by=staff,
            updated_by=staff,
            source=Visit.Source.COUNTER if staff else Visit.Source.API,
            **values,
        )

    def _group_session(self, spec: SiteSpec, started_at: datetime.datetime) -> VisitRow:
        visit = self._new_visit(
            spec,
            started_at,
            duration_min=GROUP_DURATION_MIN,
            participants=self.rng.randint(*GROUP_PARTICIPANTS),
            channel_id="booked",
            age_band_id="75+",
            language_id="sv",
            note=GROUP_TITLE,
            visitor_municipality_id=self.municipalities[spec.municipality],
        )
        item = HelpItem(
            visit=visit, service_id="eid.bankid", mode_id="taught", outcome_id="resolved"
        )
        return visit, [item], []

    def _visit(self, spec: SiteSpec, started_at: datetime.datetime) -> VisitRow:
        rng = self.rng
        language = _pick(rng, LANGUAGE_WEIGHTS)
        newcomer = language in IMMIGRANT_LANGUAGES
        age_band = _pick(rng, AGE_WEIGHTS["newcomer" if newcomer else "settled"])
        profile = "newcomer" if newcomer else "senior" if age_band in SENIOR_AGES else "other"
        interpreter = (
            language != "sv"
            and rng.random() < INTERPRETER_CHANCE["newcomer" if newcomer else "minority"]
        )
        items = self._help_items(started_at.month, profile)
        duration = rng.lognormvariate(math.log(DURATION_MEDIAN_MIN), DURATION_SIGMA)
        duration *= SENIOR_DURATION_FACTOR if profile == "senior" else 1
        duration += EXTRA_ITEM_MIN * (len(items) - 1) + INTERPRETER_EXTRA_MIN * interpreter
        before = after = None
        if rng.random() < CONFIDENCE_SHARE:
            before = _pick(rng, CONFIDENCE_BEFORE[profile])
            after = min(5, max(1, before + _pick(rng, CONFIDENCE_GAIN)))
        visit = self._new_visit(
            spec,
            started_at,
            duration_min=min(600, max(1, round(duration))),
            channel_id=_pick(rng, CHANNEL_WEIGHTS[spec.kind]),
            age_band_id=age_band,
            gender=_pick(rng, GENDER_WEIGHTS),
            language_id=language,
            interpreter=interpreter,
            first_visit=_pick(rng, FIRST_VISIT_WEIGHTS),
            visitor_municipality_id=self._visitor_municipality(spec),
            confidence_before=before,
            confidence_after=after,
            note=rng.choice(NOTES) if rng.random() < NOTE_SHARE else "",
        )
        for item in items:
            item.visit = visit
        return visit, items, self._barriers(profile)

    def _help_items(self, month: int, profile: str) -> list[HelpItem]:
        codes, cum_weights = self.services[(month, profile)]
        wanted = _pick(self.rng, HELP_ITEM_COUNT)
        chosen: list[str] = []
        while len(chosen) < wanted:
            code = self.rng.choices(codes, cum_weights=cum_weights)[0]
            if code not in chosen:
                chosen.append(code)
        items = []
        for code in chosen:
            mode = _pick(self.rng, MODE_WEIGHTS_BANKID if code == "eid.bankid" else MODE_WEIGHTS)
            outcomes = OUTCOME_WEIGHTS_REFERRED if mode == "referred" else OUTCOME_WEIGHTS
            items.append(
                HelpItem(service_id=code, mode_id=mode, outcome_id=_pick(self.rng, outcomes))
            )
        return items

    def _visitor_municipality(self, spec: SiteSpec) -> int | None:
        draw = self.rng.random()
        if draw < HOME_MUNICIPALITY_SHARE:
            return self.municipalities[spec.municipality]
        if draw < HOME_MUNICIPALITY_SHARE + NEARBY_MUNICIPALITY_SHARE:
            return self.municipalities[self.rng.choice(NEARBY_MUNICIPALITIES[spec.municipality])]
        return None

    def _barriers(self, profile: str) -> list[str]:
        hits = [
            code for code, chance in BARRIER_CHANCE[profile].items() if self.rng.random() < chance
        ]
        return hits if len(hits) <= MAX_BARRIERS else self.rng.sample(hits, MAX_BARRIERS)


def _insert(rows: list[VisitRow]) -> None:
    Barriers = Visit.barriers.through
    Visit.objects.bulk_create([visit for visit, _, _ in rows], batch_size=BATCH_SIZE)
    HelpItem.objects.bulk_create(
        [item for _, items, _ in rows for item in items], batch_size=BATCH_SIZE
    )
    Barriers.objects.bulk_create(
        [
            Barriers(visit_id=visit.id, barrier_id=code)
            for visit, _, codes in rows
            for code in codes
        ],
        batch_size=BATCH_SIZE,
    )


def _stamp_created_at(sites: Iterable[Site], durations: set[int]) -> None:
    # bulk_create stamps "now"; a visit is logged as it ends, which is what the undo window,
    # "changed since" syncs and the audit views expect. One update per distinct duration,
    # because multiplying a duration in SQL is not portable (SQLite has no interval type).
    visits = Visit.objects.filter(site__in=sites)
    for minutes in sorted(durations):
        ended_at = F("started_at") + datetime.timedelta(minutes=minutes)
        visits.filter(duration_min=minutes).update(created_at=ended_at, updated_at=ended_at)


# --- Staffing -----------------------------------------------------------------------------


def _staffed_hours(
    rng: random.Random, *, sites: dict[str, Site], start: datetime.date, end: datetime.date
) -> list[StaffedHours]:
    rows = []
    for spec in SITES:
        if spec.kind != Site.Kind.SERVICE_CENTRE:
            continue
        for day in _days(start, end):
            if not _is_open(spec, day):
                continue
            open_hours = Decimal("6.5") if day.weekday() == 4 else Decimal("7")
            fewest, most = spec.staff_on_duty
            staff = fewest if day.month == 7 else rng.randint(fewest, most)
            rows.append(
                StaffedHours(
                    site=sites[spec.code],
                    date=day,
                    open_hours=open_hours,
                    staff_hours=open_hours * staff,
                )
            )
    return rows


# The centres' regular week, which the past days' staffed hours above follow: 7 hours Monday
# to Thursday and 6.5 on Fridays. The staff on duty is the most a centre has (the past days
# draw between its fewest and most, as absences would). Planned from today on; the summer
# break of the small centres is recorded as exceptions.
DEMO_OPENS = datetime.time(9, 0)
DEMO_CLOSES = {weekday: datetime.time(16, 0) for weekday in range(Weekday.FRIDAY)} | {
    Weekday.FRIDAY: datetime.time(15, 30)
}
SUMMER_BREAK_NOTE = "Sommarstängt"


def _ensure_staffing(sites: dict[str, Site], *, today: datetime.date) -> None:
    """The service centres' regular week and summer breaks, and their StaffedHours from today
    to the end of next year. Written as plain rows like the rest of the demo (no audit
    history), and the same on every run of the same day."""
    centres = [spec for spec in SITES if spec.kind == Site.Kind.SERVICE_CENTRE]
    demo_sites = [sites[spec.code] for spec in centres]
    StaffingPattern.objects.filter(site__in=demo_sites).delete()
    StaffingException.objects.filter(site__in=demo_sites).delete()
    horizon = staffing_horizon(today)
    StaffingPattern.objects.bulk_create(
        StaffingPattern(
            site=sites[spec.code],
            weekday=weekday,
            opens=DEMO_OPENS,
            closes=closes,
            staff_on_duty=spec.staff_on_duty[1],
        )
        for spec in centres
        for weekday, closes in DEMO_CLOSES.items()
    )
    StaffingException.objects.bulk_create(
        StaffingException(site=sites[spec.code], date=day, closed=True, note=SUMMER_BREAK_NOTE)
        for spec in centres
        for day in _days(today, horizon + datetime.timedelta(days=1))
        if day.weekday() < Weekday.SATURDAY and day.isocalendar().week in spec.summer_closed_weeks
    )
    for site in demo_sites:
        staffed_hours_refresh(site=site, date_from=today, date_to=horizon)
