import asyncio
import datetime

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from servicecenter.live import site_group
from tests.factories import SiteFactory, UserFactory
from tests.factories import log_visit as log
from visits.models import Barrier, Visit
from visits.services import visit_delete, visit_update


@pytest.mark.django_db
def test_a_visit_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        log(SiteFactory(), started_at=timezone.now() + datetime.timedelta(hours=1))
    assert "started_at" in error.value.message_dict
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_without_help_items_is_refused():
    with pytest.raises(ValidationError):
        log(SiteFactory(), help_items=[])
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_refused_note_leaves_nothing_behind():
    with pytest.raises(ValidationError):
        log(SiteFactory(), note="Mejla anna@example.se", barriers=[Barrier.objects.get(pk="trust")])
    assert not Visit.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_client_chosen_id_is_kept():
    import uuid

    chosen = uuid.uuid4()
    assert log(SiteFactory(), visit_id=chosen).pk == chosen


@pytest.mark.django_db
def test_the_audit_history_keeps_codes_not_labels():
    visit = log(SiteFactory(), barriers=[Barrier.objects.get(pk="no_eid")])
    entry = AuditEntry.objects.get(object_id=str(visit.pk))
    assert entry.changes["channel"] == [None, "walk_in"]
    assert entry.changes["barriers"] == [None, ["no_eid"]]
    assert entry.changes["help"] == [None, [["1177.login", "guided", "resolved"]]]


@pytest.mark.django_db
def test_an_update_records_only_what_changed():
    user = UserFactory()
    visit = log(SiteFactory())
    visit_update(visit=visit, updated_by=user, duration_min=35)
    entry = AuditEntry.objects.get(object_id=str(visit.pk), action="update")
    assert entry.changes == {"duration_min": [20, 35]}
    assert entry.actor == user


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_logged_visit_is_announced_to_its_site_after_commit():
    site = await database_sync_to_async(SiteFactory)(code="lycksele")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(site_group("lycksele"), channel)
    visit = await database_sync_to_async(log)(site)
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message == {"type": "visit.logged", "visit": str(visit.pk), "site": "lycksele"}
    await database_sync_to_async(visit_delete)(visit=visit, deleted_by=None)
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message["type"] == "visit.deleted"
