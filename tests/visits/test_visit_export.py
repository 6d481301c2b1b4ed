import csv
import datetime
import io
import warnings

import openpyxl
import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from tests.factories import OrganisationFactory, SiteFactory, VisitFactory, member
from visits import views
from visits.models import EService

pytestmark = pytest.mark.django_db

LIST = reverse("visits:list")
HEADER = [
    "Date and time",
    "Site",
    "E-services",
    "Help modes",
    "Outcomes",
    "Duration (min)",
    "Participants",
    "Channel",
    "Age band",
]


@pytest.fixture
def organisation():
    return OrganisationFactory(code="region-vb")


@pytest.fixture
def site(organisation):
    return SiteFactory(code="lycksele", name="Servicecenter Lycksele", organisation=organisation)


@pytest.fixture
def manager_client(client, organisation):
    client.force_login(member(Membership.Role.MANAGER, organisation=organisation))
    # English, so that the header and labels are read as written in the code.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def streamed(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    body = streamed(response)
    assert body.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


def export(client, fmt: str, **params):
    return client.get(LIST, {**params, "_export": fmt})


def test_the_csv_has_a_header_and_one_row_per_visit(manager_client, site):
    VisitFactory(site=site, duration_min=25, participants=2)
    VisitFactory(
        site=site,
        help=[("eid.bankid", "taught", "resolved"), ("mailbox.kivra", "guided", "partly")],
    )
    response = export(manager_client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 3
    by_duration = {row[5]: row for row in rows[1:]}
    assert by_duration["25"][6] == "2"
    bankid, kivra = (EService.objects.get(code=c) for c in ("eid.bankid", "mailbox.kivra"))
    assert by_duration["15"][2] == f"{bankid.label_en}, {kivra.label_en}"
    assert by_duration["15"][4] == "Resolved, Partly resolved"


def test_the_csv_keeps_swedish_letters_in_utf_8(client, organisation, site):
    client.force_login(member(Membership.Role.MANAGER, organisation=organisation))
    VisitFactory(site=site, help=[("eid.bankid", "taught", "resolved")])
    rows = csv_rows(export(client, "csv"))
    assert rows[1][3] == "Lärde besökaren göra själv"
    assert rows[0][8] == "Åldersgrupp"


def test_the_csv_is_named_after_the_period(manager_client, site):
    response = export(manager_client, "csv", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response["Content-Disposition"] == (
        'attachment; filename="besok-2026-11-01--2026-11-30.csv"'
    )


def test_the_csv_applies_the_same_filters_as_the_list(manager_client, site):
    other = SiteFactory(code="storuman", organisation=site.organisation)
    VisitFactory(site=site, help=[("eid.bankid", "taught", "resolved")], duration_min=11)
    VisitFactory(site=site, help=[("eid.bankid", "guided", "resolved")], duration_min=12)
    VisitFactory(site=other, help=[("eid.bankid", "taught", "resolved")], duration_min=13)
    rows = csv_rows(export(manager_client, "csv", site="lycksele", mode="taught"))
    assert [row[5] for row in rows[1:]] == ["11"]


def test_the_csv_keeps_the_lists_sort(manager_client, site):
    for minutes in (30, 10, 20):
        VisitFactory(site=site, duration_min=minutes)
    rows = csv_rows(export(manager_client, "csv", sort="duration_min"))
    assert [row[5] for row in rows[1:]] == ["10", "20", "30"]


def test_the_csv_lists_a_visit_with_two_matching_help_items_once(manager_client, site):
    VisitFactory(
        site=site,
        help=[("eid.bankid", "guided", "resolved"), ("mailbox.kivra", "guided", "resolved")],
    )
    rows = csv_rows(export(manager_client, "csv", mode="guided"))
    assert len(rows) == 2


def test_the_csv_tells_the_number_of_rows_before_streaming(manager_client, site):
    for _ in range(3):
        VisitFactory(site=site)
    assert export(manager_client, "csv")["X-Total-Rows"] == "3"


def test_exports_leave_out_another_organisations_visits(manager_client, site):
    VisitFactory(site=site, duration_min=11)
    elsewhere = SiteFactory(code="asele", organisation=OrganisationFactory(code="asele"))
    VisitFactory(site=elsewhere, duration_min=99)
    csv_durations = [row[5] for row in csv_rows(export(manager_client, "csv"))[1:]]
    xlsx_durations = [row[5] for row in xlsx_rows(export(manager_client, "xlsx"))[1:]]
    assert csv_durations == ["11"]
    assert xlsx_durations == [11]


def test_the_note_never_appears_in_an_export(manager_client, site):
    VisitFactory(site=site, note="Hjälp med deklarationen inför maj")
    assert b"deklarationen" not in streamed(export(manager_client, "csv"))
    rows = xlsx_rows(export(manager_client, "xlsx"))
    assert not any("deklarationen" in str(value) for row in rows for value in row)


def test_the_xlsx_opens_with_a_header_and_the_rows(manager_client, site):
    VisitFactory(site=site, duration_min=25)
    VisitFactory(site=site, duration_min=40)
    response = export(manager_client, "xlsx", **{"from": "2026-11-01"})
    assert response["Content-Disposition"].endswith(
        f'filename="besok-2026-11-01--{timezone.localdate().isoformat()}.xlsx"'
    )
    rows = xlsx_rows(response)
    assert list(rows[0]) == HEADER
    assert sorted(row[5] for row in rows[1:]) == [25, 40]


def test_an_xlsx_above_the_limit_is_refused_with_a_message(manager_client, site, monkeypatch):
    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 2)
    for _ in range(3):
        VisitFactory(site=site)
    response = export(manager_client, "xlsx")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "too many for an Excel file" in response.text
    assert "_export=csv" in response.text


def test_an_export_with_an_unknown_filter_value_is_refused_with_the_form_error(
    manager_client, site
):
    VisitFactory(site=site)
    response = export(manager_client, "csv", site="nowhere")
    assert response.status_code == 400
    assert "site" in response.context["form"].errors
    assert not response.streaming


def test_the_csv_takes_as_many_queries_for_30_visits_as_for_3(manager_client, site):
    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            body = streamed(export(manager_client, "csv"))
        assert body
        return len(queries)

    for _ in range(3):
        VisitFactory(site=site, barriers=["skills"])
    with_3 = export_queries()
    for _ in range(27):
        VisitFactory(
            site=site,
            help=[("eid.bankid", "taught", "resolved"), ("mailbox.kivra", "guided", "partly")],
        )
    assert export_queries() == with_3


def test_each_chunk_of_the_csv_takes_the_same_two_queries(manager_client, site, monkeypatch):
    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(export(manager_client, "csv"))
        assert len(rows) == 1 + 30
        return len(queries)

    for _ in range(30):
        VisitFactory(site=site)
    monkeypatch.setattr(views, "EXPORT_CHUNK_SIZE", 30)
    one_chunk = export_queries()
    monkeypatch.setattr(views, "EXPORT_CHUNK_SIZE", 10)
    # SQLite reads the visits with one cursor; each further chunk adds its help items' query.
    assert export_queries() == one_chunk + 2


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(manager_client, site):
    site.name = "=HYPERLINK(1)"
    site.save()
    VisitFactory(site=site)
    assert csv_rows(export(manager_client, "csv"))[1][1] == "'=HYPERLINK(1)"


def test_a_visitor_without_login_cannot_export(client):
    response = export(client, "csv")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_under_asgi_the_csv_streams_chunk_by_chunk(async_client, monkeypatch):
    organisation = await database_sync_to_async(OrganisationFactory)(code="region-vb")
    site = await database_sync_to_async(SiteFactory)(code="lycksele", organisation=organisation)
    user = await database_sync_to_async(member)(Membership.Role.MANAGER, organisation=organisation)
    for _ in range(5):
        await database_sync_to_async(VisitFactory)(
            site=site, started_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    monkeypatch.setattr(views, "EXPORT_CHUNK_SIZE", 2)
    await async_client.aforce_login(user)
    with warnings.catch_warnings():
        # Django warns when it must read a whole synchronous body before sending it.
        warnings.filterwarnings("error", message="StreamingHttpResponse must consume")
        response = await async_client.get(LIST, {"_export": "csv"})
        assert response.is_async
        chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) == 1 + 3  # the header, then three chunks of at most two visits
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 1 + 5
