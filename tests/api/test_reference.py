import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiKey
from api.services import api_key_revoke
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_sites_lists_only_the_callers_own_sites(api, region_site):
    response = api.get("/api/v1/sites/")
    assert response.status_code == 200
    assert [site["code"] for site in response.json()] == ["lycksele-bibliotek"]
    assert response.json()[0]["municipality"] == "2481"


def test_taxonomy_lists_every_code_list_with_both_labels(api):
    body = api.get("/api/v1/taxonomy/").json()
    assert set(body) >= {"services", "modes", "outcomes", "barriers", "channels", "age_bands"}
    bankid = next(s for s in body["services"] if s["code"] == "eid.bankid")
    assert bankid == {
        "code": "eid.bankid",
        "label_sv": "BankID",
        "label_en": "BankID",
        "active": True,
        "provider": "eid",
    }
    assert {"code": "unstated", "label_sv": "Inte angivet", "label_en": "Not stated"}.items() <= (
        next(g for g in body["genders"] if g["code"] == "unstated").items()
    )


def test_a_request_without_a_key_is_401_in_json():
    response = APIClient().get("/api/v1/sites/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Api-Key"
    assert "detail" in response.json()


def test_a_revoked_key_is_refused(library, library_site):
    client = client_for(library)
    api_key_revoke(api_key=ApiKey.objects.get())
    assert client.get("/api/v1/sites/").status_code == 401


def test_an_expired_key_is_refused(library, library_site):
    client = client_for(library)
    ApiKey.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get("/api/v1/sites/").status_code == 401


def test_a_key_records_when_it_was_last_used(api):
    api.get("/api/v1/sites/")
    assert ApiKey.objects.get().last_used_at is not None


def test_the_key_is_stored_only_as_a_hash(library, capsys):
    call_command("create_api_key", library.code)
    key = capsys.readouterr().out.strip().splitlines()[-1]
    stored = ApiKey.objects.get()
    assert key.startswith(stored.prefix)
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == ApiKey.hash(key)


def test_create_api_key_prints_a_working_key_as_the_last_line(library, library_site, capsys):
    call_command("create_api_key", library.code)
    key = capsys.readouterr().out.strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/sites/").status_code == 200


def test_create_api_key_refuses_an_unknown_organisation():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "no-such-organisation")


def test_too_many_requests_get_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    statuses = [api.get("/api/v1/sites/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/sites/")
    assert int(response.headers["Retry-After"]) > 0
    assert "detail" in response.json()


def test_the_throttle_counts_each_key_on_its_own(library, library_site, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "2/minute"},
    }
    first, second = client_for(library), client_for(library)
    assert [first.get("/api/v1/sites/").status_code for _ in range(3)][-1] == 429
    assert second.get("/api/v1/sites/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/visits/not-a-uuid/"])
def test_an_unknown_api_path_is_a_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"


def test_a_wrong_method_is_a_json_405(api):
    response = api.delete("/api/v1/sites/")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"


def test_a_server_error_under_api_is_json(library, library_site, monkeypatch):
    from api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.TaxonomySerializer, "build", explode)
    client = client_for(library)
    client.raise_request_exception = False
    response = client.get("/api/v1/taxonomy/")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_session_login_works_for_the_applications_own_pages(client, library_site):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, site=library_site, role="staff")
    client.force_login(user)
    assert client.get("/api/v1/sites/").status_code == 200


def test_the_docs_are_served_from_bundled_assets(client):
    html = client.get("/api/v1/docs/").text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    # Every address the page loads is on this server; the page's random CSRF token may hold
    # any letters, so the test reads the addresses rather than searching the text.
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert addresses
    assert [a for a in addresses if not a.startswith("/") or a.startswith("//")] == []
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_docs_page_has_no_inline_script_or_style(client):
    html = client.get("/api/v1/docs/").text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert 'style="' not in html


def test_api_errors_follow_accept_language():
    swedish = APIClient().get("/api/v1/sites/", HTTP_ACCEPT_LANGUAGE="sv")
    english = APIClient().get("/api/v1/sites/", HTTP_ACCEPT_LANGUAGE="en")
    assert swedish.json()["detail"] != english.json()["detail"]
    assert english.headers["Content-Language"] == "en"
