"""Twenty staff opening cases at one site at the same moment get twenty distinct numbers with
no gap: the sequence row is locked by the one statement that increments it."""

import threading

import pytest
from django.db import connection

from helpdesk.models import Case
from tests.factories import SiteFactory, open_case

CREATORS = 20


def together(count, work):
    start = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            start.wait()
            work(index)
        except Exception as error:  # reported by the assertion below, with its cause
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_creations_get_distinct_gap_free_numbers():
    site = SiteFactory(code="lycksele", case_prefix="LYC")
    errors = together(CREATORS, lambda i: open_case(site, title=f"Ärende {i}"))
    assert errors == []
    sequences = sorted(Case.objects.filter(site=site).values_list("sequence", flat=True))
    assert sequences == list(range(1, CREATORS + 1))
