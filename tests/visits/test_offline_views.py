"""The pieces the tablet needs to work offline (issue 13): the service worker and the web app
manifest. The offline behaviour itself is tested in Chromium (tests/browser/test_offline.py)."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def precached(worker: str) -> list[dict]:
    return json.loads(re.search(r"precacheAndRoute\((\[.*?\])\)", worker)[1])


def test_the_service_worker_is_javascript_that_browsers_check_on_every_visit(client):
    response = client.get(reverse("visits:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"


def test_the_service_worker_keeps_every_file_the_quick_log_needs_with_its_revision(client):
    worker = client.get(reverse("visits:service_worker")).content.decode()
    entries = precached(worker)
    urls = {entry["url"] for entry in entries}
    for needed in ("css/app.css", "js/quick-log.js", "js/visit-outbox.js", "img/icon-192.png"):
        assert f"/static/{needed}" in urls
    for entry in entries:
        assert finders.find(entry["url"].removeprefix("/static/")), entry["url"]
        assert re.fullmatch(r"[0-9a-f]{16}", entry["revision"])


def test_the_service_worker_loads_workbox_from_this_server_only(client):
    worker = client.get(reverse("visits:service_worker")).content.decode()
    scripts = re.search(r"importScripts\((.*?)\);", worker)[1]
    assert "/static/vendor/workbox-7.4.1/workbox-core.prod.js" in scripts
    assert "http" not in scripts


def test_the_manifest_opens_the_staff_members_own_quick_log(client, staff, site):
    client.force_login(staff)
    response = client.get(reverse("visits:manifest", args=[site.code]))
    manifest = response.json()
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["start_url"] == reverse("visits:quick_log", args=[site.code])
    assert manifest["name"] == "Servicecenter – Servicecenter Lycksele"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_the_manifest_of_a_site_where_the_user_does_not_log_is_not_found(client, staff):
    client.force_login(staff)
    response = client.get(reverse("visits:manifest", args=[SiteFactory(code="storuman").code]))
    assert response.status_code == 404


def test_the_quick_log_offers_the_manifest_and_the_outbox_of_the_signed_in_user(
    client, staff, site
):
    client.force_login(staff)
    page = client.get(reverse("visits:quick_log", args=[site.code])).content.decode()
    assert reverse("visits:manifest", args=[site.code]) in page
    assert f'data-user="{staff.pk}"' in page
    assert 'id="outbox-strings"' in page
