"""A page whose database went away while it was answered says to try again shortly (503 with
Retry-After), however the driver words it; a defect stays a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_connection_dropped_outside_djangos_wrapper_is_answered_503(settings):
    settings.ROOT_URLCONF = "tests.servicecenter.failing_database_urls"
    response = Client(raise_request_exception=False).get("/dropped/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Försök igen om några sekunder" in response.content.decode()
