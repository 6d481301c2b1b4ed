import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FailedLogin
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_user_logs_in_and_out():
    from django.test import Client

    client = Client()
    UserFactory(username="anna")
    response = login(client, "anna", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_pages_require_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_account_is_locked_after_repeated_failed_logins(client, settings):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 3
    UserFactory(username="anna")
    for _ in range(3):
        assert login(client, "anna", "wrong").status_code == 200
    response = login(client, "anna", PASSWORD)
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["__all__"][0]
        .startswith(("Too many failed attempts", "För många misslyckade"))
    )
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_when_the_window_has_passed(client, settings):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 3
    UserFactory(username="anna")
    for _ in range(3):
        login(client, "anna", "wrong")
    FailedLogin.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))
    assert login(client, "anna", PASSWORD).status_code == 302


def test_a_successful_login_clears_earlier_failures(client):
    UserFactory(username="anna")
    login(client, "anna", "wrong")
    login(client, "anna", PASSWORD)
    assert not FailedLogin.objects.filter(username="anna").exists()


def test_the_lockout_counts_one_username_regardless_of_case(client, settings):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 2
    UserFactory(username="anna")
    login(client, "ANNA", "wrong")
    login(client, "Anna", "wrong")
    assert login(client, "anna", PASSWORD).status_code == 200


def test_the_accessibility_statement_is_public_and_says_how_to_report(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert "mailto:" in response.text
    assert "digg.se" in response.text


def test_swedish_is_the_default_language_whatever_the_browser_asks(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "sv"
    assert '<html lang="sv">' in response.text


def test_the_language_button_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("accounts:login"))
    assert '<html lang="en">' in response.text
