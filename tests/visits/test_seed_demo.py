import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from organisations.models import Membership, Site
from servicecenter.personal_data import find_personal_data
from visits.models import HelpItem, StaffedHours, Visit

PASSWORD = "demo12345"
SERVICE_CENTRES = {"lycksele": "2481", "storuman": "2421", "asele": "2463"}


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    settings.DEBUG = True
    # The real hasher takes a quarter of a second per demo login and run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(visits: int) -> str:
    out = StringIO()
    call_command("seed_demo", visits=visits, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "ids": set(Visit.objects.values_list("id", flat=True)),
        "visits": Visit.objects.count(),
        "help_items": HelpItem.objects.count(),
        "barrier_links": Visit.barriers.through.objects.count(),
        "minutes": Visit.objects.aggregate(total=Sum("duration_min"))["total"],
        "participants": Visit.objects.aggregate(total=Sum("participants"))["total"],
        "staffed_hours": StaffedHours.objects.aggregate(total=Sum("staff_hours"))["total"],
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
    }


@pytest.mark.django_db
def test_it_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", visits=10, stdout=StringIO())

    assert not Visit.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_it_creates_the_four_sites_and_a_login_for_every_role():
    output = seed(600)

    assert "Demo data ready: 600 visits" in output
    sites = {
        site.code: site for site in Site.objects.select_related("organisation", "municipality")
    }
    for code, municipality in SERVICE_CENTRES.items():
        assert sites[code].kind == Site.Kind.SERVICE_CENTRE
        assert sites[code].organisation.code == "region-vasterbotten"
        assert sites[code].municipality.code == municipality
    library = sites["lycksele-bibliotek"]
    assert library.kind == Site.Kind.LIBRARY
    assert library.organisation.code == "lycksele-bibliotek"
    assert library.case_prefix == "LYB"
    assert [sites[code].case_prefix for code in SERVICE_CENTRES] == ["LYC", "STO", "ASE"]
    assert Visit.objects.count() == 600

    for username in ["staff-lycksele", "manager-lycksele", "analyst", "admin", "staff-bibliotek"]:
        assert authenticate(username=username, password=PASSWORD) is not None, username
    roles = set(
        Membership.objects.values_list("user__username", "role", "organisation__code", "site__code")
    )
    assert {
        ("staff-lycksele", "staff", "region-vasterbotten", "lycksele"),
        ("manager-lycksele", "manager", "region-vasterbotten", "lycksele"),
        ("analyst", "analyst", "region-vasterbotten", None),
        ("admin", "admin", "region-vasterbotten", None),
    } <= roles
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


@pytest.mark.django_db
def test_running_it_twice_leaves_the_same_data():
    seed(600)
    first = snapshot()
    get_user_model().objects.filter(username="analyst").update(password="changed")

    seed(600)

    assert snapshot() == first
    assert authenticate(username="analyst", password=PASSWORD) is not None


@pytest.mark.django_db
def test_the_seasons_show_in_visits_and_help_items():
    seed(3000)

    at_centres = Visit.objects.filter(site__kind=Site.Kind.SERVICE_CENTRE)
    assert (
        at_centres.filter(started_at__month=7).count()
        < at_centres.filter(started_at__month=4).count()
    )
    declarations = HelpItem.objects.filter(service_id="skatteverket.declaration")
    in_season = declarations.filter(visit__started_at__month__in=[3, 4, 5]).count()
    assert in_season / declarations.count() > 0.6


@pytest.mark.django_db
def test_every_visit_is_valid_with_help_and_an_anonymous_note():
    seed(600)

    assert not Visit.objects.filter(help_items__isnull=True).exists()
    notes = list(Visit.objects.exclude(note="").values_list("note", flat=True))
    assert notes
    assert [note for note in notes if find_personal_data(note)] == []
    today = timezone.localdate()
    assert not Visit.objects.filter(started_at__date__gte=today).exists()
    assert Visit.objects.filter(started_at__date__gte=today - datetime.timedelta(days=31)).exists()
    for visit in Visit.objects.all()[::10]:
        visit.full_clean()
