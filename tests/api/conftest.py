import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import api_key_create
from tests.factories import OrganisationFactory, SiteFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def region_site():
    """A site of another organisation (the region's service centre)."""
    return SiteFactory(code="lycksele", organisation=OrganisationFactory(code="region-vb"))


def client_for(organisation) -> APIClient:
    _api_key, key = api_key_create(organisation=organisation, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def api(library, library_site):
    return client_for(library)
