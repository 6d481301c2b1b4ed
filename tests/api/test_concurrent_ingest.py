"""Two clients sending the same visit at the same moment leave exactly one row: the database's
primary key decides, not a check-then-insert in Python."""

import threading

import pytest
from django.db import connection

from tests.api.conftest import client_for
from tests.api.test_visits import visit
from visits.models import HelpItem, Visit


def post_together(clients, bodies, path="/api/v1/visits/"):
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def send(index):
        try:
            start.wait()
            statuses[index] = clients[index].post(path, bodies[index], format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_visit_sent_twice_at_once_is_stored_once(library, library_site):
    clients = [client_for(library) for _ in range(4)]
    statuses = post_together(clients, [visit()] * 4)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Visit.objects.count() == 1
    assert HelpItem.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_different_visits_with_one_id_at_once_give_one_row_and_conflicts(library, library_site):
    clients = [client_for(library) for _ in range(3)]
    bodies = [visit(duration_min=minutes) for minutes in (10, 20, 30)]
    statuses = post_together(clients, bodies)
    assert sorted(statuses) == [201, 409, 409]
    assert Visit.objects.count() == 1
