import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, SiteFactory, UserFactory

# Playwright runs an event loop in the test thread; the ORM calls browser tests make to
# arrange data would otherwise raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests draw the same examples on every run (no test outcome depends on chance) and
# have no per-example deadline (none depends on how busy the machine is).
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("repeatable")

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        message = "Chromium is not installed (apt-get install chromium); browser tests need it."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests render templates without running collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what one test cached (live figures under site
    generations, throttle counts) must not answer in the next, whose rows may reuse ids."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English activates English for
    its thread, and the next test must not inherit it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def library():
    return OrganisationFactory(
        code="lycksele-bibliotek", name="Lycksele bibliotek", kind=Organisation.Kind.LIBRARY
    )


@pytest.fixture
def library_site(library):
    return SiteFactory(code="lycksele-bibliotek", organisation=library, kind="library")


@pytest.fixture
def site():
    """A service centre, as the counter tests know it."""
    return SiteFactory(code="lycksele", name="Servicecenter Lycksele")


@pytest.fixture
def staff(site):
    """Counter staff at `site`."""
    user = UserFactory(username="staff-lycksele", first_name="Anna")
    MembershipFactory(user=user, site=site, role=Membership.Role.STAFF)
    return user
