import datetime
import html
import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import SiteFactory, UserFactory, VisitFactory
from visits.models import HelpItem, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def typical_visit(**overrides) -> dict:
    """What the quick-log form posts for one e-service, one help mode and an age band."""
    data = {
        "help-0-service": "eid.bankid",
        "help-0-mode": "taught",
        "help-0-outcome": "resolved",
        "help-1-outcome": "resolved",
        "help-2-outcome": "resolved",
        "age_band": "75+",
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_min": "15",
        "participants": "1",
        "channel": "walk_in",
        "gender": "unstated",
        "language": "sv",
        "first_visit": "unknown",
        "visitor_municipality": "",
        "confidence_before": "",
        "confidence_after": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_the_quick_log_screen_offers_the_most_used_services_first(staff_client, site, staff):
    for _ in range(3):
        VisitFactory(site=site, help=[("skatteverket.declaration", "guided", "resolved")])
    response = staff_client.get(reverse("visits:quick_log", args=[site.code]))
    assert response.status_code == 200
    top = [service.code for service in response.context["top_services"]]
    assert top[0] == "skatteverket.declaration"
    assert len(top) == 8


def test_a_typical_visit_is_saved_with_its_help_item(staff_client, site, staff):
    response = staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.site == site
    assert visit.created_by == staff
    assert visit.channel_id == "walk_in"
    assert [(i.service_id, i.mode_id, i.outcome_id) for i in visit.help_items.all()] == [
        ("eid.bankid", "taught", "resolved")
    ]
    assert AuditEntry.objects.filter(object_id=str(visit.pk), action="create").exists()


def test_after_saving_the_screen_offers_an_undo(staff_client, site):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]), typical_visit(), follow=True
    )
    assert response.context["undo_visit"] == Visit.objects.get()
    assert "Undo" in response.text or "Ångra" in response.text


def test_undo_removes_the_visit_and_its_help_items(staff_client, site):
    staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    visit = Visit.objects.get()
    response = staff_client.post(reverse("visits:undo", args=[visit.pk]))
    assert response.status_code == 302
    assert not Visit.objects.exists()
    assert not HelpItem.objects.exists()
    assert AuditEntry.objects.filter(object_id=str(visit.pk), action="delete").exists()


def test_undo_is_refused_once_the_time_is_up(staff_client, site):
    staff_client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    Visit.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    staff_client.post(reverse("visits:undo", args=[Visit.objects.get().pk]))
    assert Visit.objects.count() == 1


def test_a_note_with_a_personal_identity_number_is_refused_and_the_form_keeps_its_values(
    staff_client, site
):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(note="Hjälpte 19121212-1212 med BankID", duration_min="25"),
    )
    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert response.context["form"].errors["note"] == [
        "Ta bort personnumret 19121212-**** (tecken 9). "
        "Besök är anonyma och får inte innehålla personuppgifter."
    ]
    assert response.context["form"]["duration_min"].value() == "25"
    assert response.context["selected_service"] == "eid.bankid"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_min", "0"),
        ("duration_min", "601"),
        ("participants", "0"),
        ("confidence_before", "6"),
        ("confidence_after", "0"),
    ],
)
def test_out_of_range_values_get_a_field_error_not_a_server_error(staff_client, site, field, value):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]), typical_visit(**{field: value})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Visit.objects.exists()


def test_a_visit_without_an_e_service_is_refused(staff_client, site):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(**{"help-0-service": "", "help-0-mode": ""}),
    )
    assert response.status_code == 200
    assert response.context["first_help"].errors
    assert not Visit.objects.exists()


def test_a_second_help_item_is_saved_on_its_own(staff_client, site):
    staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(
            **{
                "help-1-service": "1177.login",
                "help-1-mode": "guided",
                "help-1-outcome": "partly",
            }
        ),
    )
    assert sorted(HelpItem.objects.values_list("service", "mode", "outcome")) == [
        ("1177.login", "guided", "partly"),
        ("eid.bankid", "taught", "resolved"),
    ]


def test_same_again_repeats_the_previous_visit_in_one_press(staff_client, site, staff):
    staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(note="Första besöket", barriers=["skills"]),
    )
    staff_client.post(reverse("visits:same_again", args=[site.code]))
    first, second = Visit.objects.order_by("created_at")
    assert second.age_band_id == first.age_band_id == "75+"
    assert list(second.help_items.values_list("service", flat=True)) == ["eid.bankid"]
    assert list(second.barriers.values_list("code", flat=True)) == ["skills"]
    assert second.note == ""


def test_staff_cannot_open_the_quick_log_of_another_site(staff_client):
    other = SiteFactory(code="storuman")
    response = staff_client.get(reverse("visits:quick_log", args=[other.code]))
    assert response.status_code == 404


def test_todays_list_shows_todays_visits_and_not_yesterdays(staff_client, site, staff):
    VisitFactory(site=site, created_by=staff, duration_min=33)
    VisitFactory(
        site=site,
        created_by=staff,
        duration_min=44,
        started_at=timezone.now() - datetime.timedelta(days=1),
    )
    response = staff_client.get(reverse("visits:today", args=[site.code]))
    durations = [row.record.duration_min for row in response.context["table"].rows]
    assert durations == [33]


def test_todays_list_uses_a_fixed_number_of_queries(
    staff_client, site, staff, django_assert_num_queries
):
    VisitFactory(site=site, created_by=staff)
    url = reverse("visits:today", args=[site.code])
    staff_client.get(url)  # warm the session and content-type caches
    with django_assert_num_queries(10):
        staff_client.get(url)
    for _ in range(5):
        VisitFactory(site=site, created_by=staff, help=[("1177.login", "guided", "resolved")])
    with django_assert_num_queries(10):
        staff_client.get(url)


def test_the_author_can_edit_a_visit_the_same_day(staff_client, site, staff):
    visit = VisitFactory(site=site, created_by=staff)
    data = typical_visit(duration_min="40")
    response = staff_client.post(reverse("visits:edit", args=[visit.pk]), data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.duration_min == 40
    change = AuditEntry.objects.get(object_id=str(visit.pk), action="update")
    assert change.changes["duration_min"] == [15, 40]


def test_a_visit_from_yesterday_cannot_be_edited(staff_client, site, staff):
    visit = VisitFactory(
        site=site, created_by=staff, started_at=timezone.now() - datetime.timedelta(days=1)
    )
    response = staff_client.get(reverse("visits:edit", args=[visit.pk]))
    assert response.status_code == 404


def test_a_colleagues_visit_cannot_be_edited_by_staff(staff_client, site):
    colleague = UserFactory()
    visit = VisitFactory(site=site, created_by=colleague)
    response = staff_client.get(reverse("visits:edit", args=[visit.pk]))
    assert response.status_code == 404


def test_the_quick_log_form_starts_with_walk_in_now_and_fifteen_minutes(staff_client, site):
    form = staff_client.get(reverse("visits:quick_log", args=[site.code])).context["form"]
    assert form["channel"].value() == "walk_in"
    assert form["duration_min"].value() == 15
    started = form["started_at"].value()
    assert abs((timezone.localtime().replace(tzinfo=None) - started).total_seconds()) < 120


# --- the error summary -------------------------------------------------------------------


def summary_items(response) -> list[tuple[str, str]]:
    """(link target, text) of each line of the rendered error summary, top to bottom."""
    summary = re.search(r'<div class="form-errors".*?</ul>', response.text, re.DOTALL)
    assert summary, "no error summary on the page"
    return [
        (href, html.unescape(text))
        for href, text in re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', summary.group(0))
    ]


def test_the_quick_logs_error_summary_follows_the_order_of_the_fields_on_the_screen(
    staff_client, site
):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(
            **{
                # Listed here against the screen's order, which the summary must restore.
                "confidence_after": "9",
                "help-1-mode": "guided",  # the second help item: a help mode, no e-service
                "channel": "",
                "participants": "0",
                "duration_min": "",
                "age_band": "",
                "help-0-mode": "",  # the first help item: an e-service, no help mode
            }
        ),
    )

    assert summary_items(response) == [
        ("help-0-mode-group", "Välj hur besökaren fick hjälp."),
        ("age_band-anchor", "Välj en åldersgrupp."),
        ("duration_min-anchor", "Ange hur många minuter besöket tog."),
        ("participants-anchor", "Ange mellan 1 och 500 deltagare."),
        ("channel-anchor", "Välj kanal."),
        ("confidence_after-anchor", "Välj trygghet efter från 1 till 5, eller Inte tillfrågad."),
        ("id_help-1-service", "Ärende 2: Välj e-tjänst."),
    ]


def test_the_edit_pages_error_summary_lists_the_help_items_before_the_age_band(
    staff_client, site, staff
):
    visit = VisitFactory(site=site, created_by=staff)
    response = staff_client.post(
        reverse("visits:edit", args=[visit.pk]),
        typical_visit(**{"age_band": "", "help-0-mode": ""}),
    )

    assert summary_items(response) == [
        ("help-0-mode-group", "Ärende 1: Välj hur besökaren fick hjälp."),
        ("age_band-anchor", "Välj en åldersgrupp."),
    ]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("age_band", "Välj en åldersgrupp."),
        ("started_at", "Ange när besöket började."),
        ("duration_min", "Ange hur många minuter besöket tog."),
        ("participants", "Ange hur många som deltog."),
        ("channel", "Välj kanal."),
        ("gender", "Välj kön eller Inte angivet."),
        ("language", "Välj vilket språk besöket hölls på."),
    ],
)
def test_a_missing_required_field_gets_a_message_that_names_it(staff_client, site, field, message):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]), typical_visit(**{field: ""})
    )

    assert response.context["form"].errors[field] == [message]
    assert [text for _anchor, text in summary_items(response)] == [message]


@pytest.mark.parametrize(
    ("blank", "messages"),
    [
        (["help-0-service"], ["Välj e-tjänst."]),
        (["help-0-mode"], ["Välj hur besökaren fick hjälp."]),
        (["help-0-outcome"], ["Välj resultat."]),
        (
            ["help-0-service", "help-0-mode"],
            ["Välj den e-tjänst som besökaren fick hjälp med.", "Välj hur besökaren fick hjälp."],
        ),
    ],
)
def test_a_missing_part_of_a_help_item_gets_a_message_that_names_it(
    staff_client, site, blank, messages
):
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(**dict.fromkeys(blank, "")),
    )

    assert [text for _anchor, text in summary_items(response)] == messages


def test_the_field_messages_are_in_english_for_staff_who_chose_english(staff_client, site):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]),
        typical_visit(**{"age_band": "", "help-0-mode": ""}),
    )

    assert [text for _anchor, text in summary_items(response)] == [
        "Choose how the visitor was helped.",
        "Choose an age band.",
    ]


def quick_log_visit_id(response) -> str:
    return re.search(r'name="visit_id" value="([0-9a-f-]+)"', response.content.decode())[1]


def test_each_empty_quick_log_form_carries_a_fresh_visit_id(staff_client, site):
    url = reverse("visits:quick_log", args=[site.code])
    first, second = (quick_log_visit_id(staff_client.get(url)) for _ in range(2))
    assert first != second


def test_the_same_quick_log_save_sent_twice_is_one_visit_under_the_forms_id(
    staff_client, site, staff
):
    # The first answer was lost on a poor connection and the save was sent again.
    url = reverse("visits:quick_log", args=[site.code])
    visit_id = quick_log_visit_id(staff_client.get(url))
    answers = [staff_client.post(url, typical_visit(visit_id=visit_id)) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert list(Visit.objects.values_list("pk", flat=True)) == [uuid.UUID(visit_id)]
    assert HelpItem.objects.count() == 1


def test_a_refused_save_keeps_its_visit_id_for_the_corrected_one(staff_client, site):
    url = reverse("visits:quick_log", args=[site.code])
    visit_id = quick_log_visit_id(staff_client.get(url))
    refused = staff_client.post(url, typical_visit(visit_id=visit_id, age_band=""))
    assert quick_log_visit_id(refused) == visit_id
    staff_client.post(url, typical_visit(visit_id=visit_id))
    assert list(Visit.objects.values_list("pk", flat=True)) == [uuid.UUID(visit_id)]


def test_an_id_already_taken_by_another_staff_members_visit_is_refused_and_nothing_saved(
    staff_client, site
):
    taken = VisitFactory(site=site, duration_min=40)
    response = staff_client.post(
        reverse("visits:quick_log", args=[site.code]), typical_visit(visit_id=str(taken.pk))
    )
    assert response.status_code == 200
    summary = re.search(r'<div class="form-errors".*?</ul>', response.text, re.DOTALL)[0]
    assert (
        "Ett annat besök har redan sparats under det här besökets id. "
        "Ladda om sidan och registrera besöket igen."
    ) in html.unescape(summary)
    assert Visit.objects.count() == 1
    taken.refresh_from_db()
    assert taken.duration_min == 40


def test_the_same_id_sent_again_with_other_values_is_refused(staff_client, site):
    url = reverse("visits:quick_log", args=[site.code])
    visit_id = quick_log_visit_id(staff_client.get(url))
    staff_client.post(url, typical_visit(visit_id=visit_id))
    response = staff_client.post(url, typical_visit(visit_id=visit_id, duration_min="45"))
    assert response.status_code == 200
    assert Visit.objects.get().duration_min == 15
