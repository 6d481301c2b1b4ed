import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import SiteFactory
from tests.visits.test_services import log
from visits.models import Visit
from visits.services import visit_update

pytestmark = pytest.mark.django_db


def test_old_notes_are_cleared_and_recent_ones_kept(settings, capsys):
    settings.VISIT_NOTE_RETENTION_DAYS = 180
    site = SiteFactory()
    old = log(site, note="Visade Kivra", started_at=timezone.now() - datetime.timedelta(days=200))
    recent = log(site, note="Visade 1177", started_at=timezone.now() - datetime.timedelta(days=10))
    call_command("purge_personal_data")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.note, recent.note) == ("", "Visade 1177")
    assert old.channel_id == "walk_in"
    assert "Cleared the notes of 1 visits" in capsys.readouterr().out


def test_a_cleared_note_does_not_live_on_in_the_audit_history():
    visit = log(
        SiteFactory(),
        note="Visade Kivra",
        started_at=timezone.now() - datetime.timedelta(days=200),
    )
    visit_update(visit=visit, updated_by=None, note="Visade Kivra och Mina meddelanden")
    call_command("purge_personal_data")
    for entry in AuditEntry.objects.filter(object_id=str(visit.pk)):
        assert entry.changes.get("note", [""]) in (["", ""], [None, ""], [""])
        assert "Kivra" not in str(entry.changes)


def test_purging_twice_changes_nothing_more(capsys):
    log(SiteFactory(), note="x", started_at=timezone.now() - datetime.timedelta(days=365))
    call_command("purge_personal_data")
    call_command("purge_personal_data")
    output = capsys.readouterr().out.splitlines()
    notes = [line for line in output if line.startswith("Cleared the notes")]
    assert "Cleared the notes of 0 visits" in notes[-1]
    assert Visit.objects.get().note == ""
