import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from helpdesk.models import Case
from helpdesk.services import case_create
from indicators.rollups import rollup_add
from organisations.models import Membership, Municipality, Organisation, Region, Site
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpItem,
    HelpMode,
    Language,
    Outcome,
    StaffingException,
    StaffingPattern,
    Visit,
)
from visits.services import HelpItemInput, visit_log

PASSWORD = "demo12345"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or PASSWORD)
        if create:
            user.save(update_fields=["password"])


def region_24() -> Region:
    """Västerbotten, loaded by the SCB data migration."""
    return Region.objects.get(code="24")


def municipality(code: str = "2481") -> Municipality:
    return Municipality.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = Organisation.Kind.REGION
    region = factory.LazyFunction(region_24)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = Site.Kind.SERVICE_CENTRE
    organisation = factory.SubFactory(OrganisationFactory)
    municipality = factory.LazyFunction(municipality)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda m: m.site.organisation if m.site else None)
    site = None
    role = Membership.Role.STAFF


def member(role: str, *, site=None, organisation=None, **user_fields):
    """A user with one membership: at `site`, or across `organisation`."""
    user = UserFactory(**user_fields)
    MembershipFactory(
        user=user, role=role, site=site, organisation=organisation or site.organisation
    )
    return user


def earlier_today() -> datetime.datetime:
    """Half an hour ago, or the start of the day if the day is younger than that: a visit
    made with the default is "today's" whenever the tests run, midnight included."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - datetime.timedelta(minutes=30), midnight)


def log_visit(site, **overrides) -> Visit:
    """A visit logged through the workflow (visits.services), as the counter logs it: with
    its audit entry, rollups and live event, unlike VisitFactory, which writes rows."""
    values = {
        "site": site,
        "started_at": timezone.now(),
        "duration_min": 20,
        "channel": Channel.objects.get(code="walk_in"),
        "age_band": AgeBand.objects.get(code="65-74"),
        "language": Language.objects.get(code="sv"),
        "help_items": [
            HelpItemInput(
                service=EService.objects.get(code="1177.login"),
                mode=HelpMode.objects.get(code="guided"),
                outcome=Outcome.objects.get(code="resolved"),
            )
        ],
    }
    values.update(overrides)
    return visit_log(**values)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    started_at = factory.LazyFunction(earlier_today)
    duration_min = 15
    channel = factory.LazyFunction(lambda: Channel.objects.get(code="walk_in"))
    age_band = factory.LazyFunction(lambda: AgeBand.objects.get(code="75+"))
    language = factory.LazyFunction(lambda: Language.objects.get(code="sv"))

    @factory.post_generation
    def help(visit, create, extracted, **kwargs):
        if not create:
            return
        for service, mode, outcome in extracted or [("eid.bankid", "taught", "resolved")]:
            HelpItem.objects.create(
                visit=visit,
                service=EService.objects.get(code=service),
                mode=HelpMode.objects.get(code=mode),
                outcome=Outcome.objects.get(code=outcome),
            )

    @factory.post_generation
    def barriers(visit, create, extracted, **kwargs):
        if create and extracted:
            visit.barriers.set(Barrier.objects.filter(code__in=list(extracted)))

    @factory.post_generation
    def statistics(visit, create, extracted, **kwargs):
        # The factory writes past visits.services, so it adds the visit to the rollups the
        # way those services do (after its help items and barriers, declared above).
        if create:
            rollup_add(visit_ids=[visit.pk])


class StaffingPatternFactory(factory.django.DjangoModelFactory):
    """One open weekday of a site's regular week; StaffedHours follow only once refreshed
    (visits.services.staffed_hours_refresh), as the factory writes past the workflows."""

    class Meta:
        model = StaffingPattern
        django_get_or_create = ["site", "weekday"]

    site = factory.SubFactory(SiteFactory)
    weekday = 0
    opens = datetime.time(9, 0)
    closes = datetime.time(16, 0)
    staff_on_duty = 2


class StaffingExceptionFactory(factory.django.DjangoModelFactory):
    """A closed day by default; pass `closed=False` with hours for an open one."""

    class Meta:
        model = StaffingException
        django_get_or_create = ["site", "date"]

    site = factory.SubFactory(SiteFactory)
    date = datetime.date(2026, 6, 19)
    closed = True
    note = ""


def open_case(site, **overrides) -> Case:
    """A follow-up case opened through the workflow (helpdesk.services), with its number and
    its audit entry."""
    values = {
        "site": site,
        "service": EService.objects.get(code="skatteverket.declaration"),
        "title": "Deklarationen gick inte att skicka",
    }
    values.update(overrides)
    return case_create(**values)
