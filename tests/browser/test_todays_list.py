"""Today's visits on a tablet: the times people read and hear are Swedish local times, and on
an upright tablet each visit is a card whose values carry their column's label."""

import datetime

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER_TEST, FROZEN_NOW, freeze_server_clock, log_in
from tests.factories import VisitFactory

pytestmark = BROWSER_TEST


def test_the_edit_links_accessible_name_gives_the_visits_swedish_local_time(
    page, live_server, site, staff, today_url, monkeypatch
):
    freeze_server_clock(monkeypatch)  # 10:30 in Lycksele, 09:30 UTC
    # 04:08 UTC is 05:08 in Lycksele (winter time, UTC+1).
    started = FROZEN_NOW.replace(hour=4, minute=8)
    visit = VisitFactory(site=site, created_by=staff, started_at=started)
    log_in(page, live_server.url, staff.username)

    page.goto(today_url)

    row = page.locator("table tbody tr")
    expect(row.locator("td").first).to_have_text("05:08")
    link = row.get_by_role("link", name="Ändra besöket klockan 05:08")
    expect(link).to_have_attribute("href", f"/visits/visit/{visit.pk}/edit/")


def test_on_an_upright_tablet_each_visit_is_a_card_with_labelled_values(
    page, live_server, site, staff, today_url, monkeypatch
):
    freeze_server_clock(monkeypatch)
    VisitFactory(site=site, created_by=staff, started_at=FROZEN_NOW - datetime.timedelta(hours=1))
    log_in(page, live_server.url, staff.username)

    page.goto(today_url)  # the tablet is 800 px wide, held upright

    expect(page.locator("table thead th").first).not_to_be_in_viewport()
    logged_by = page.locator("td[data-label='Registrerat av']")
    label = logged_by.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"Registrerat av"'
    expect(logged_by).to_be_in_viewport()
    expect(page.get_by_role("link", name="Ändra")).to_be_in_viewport()
