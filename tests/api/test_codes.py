import pytest

from api.codes import TAXONOMIES, CodeLists
from organisations.models import Municipality
from visits.models import Channel

pytestmark = pytest.mark.django_db


def test_the_code_lists_hold_every_code_of_every_taxonomy(library_site):
    Channel.objects.create(code="fax", label_sv="Fax", label_en="Fax", is_active=False)
    codes = CodeLists.load(sites=[library_site])
    for name, model in TAXONOMIES.items():
        assert getattr(codes, name) == frozenset(model.objects.values_list("code", flat=True))
    assert "fax" in codes.channels  # retired entries stay valid for late syncs
    assert codes.sites == {library_site.code: library_site}
    assert codes.municipalities["2481"] == Municipality.objects.get(code="2481").pk


def test_the_code_lists_are_read_with_two_queries_and_then_from_the_cache(
    library_site, django_assert_num_queries
):
    with django_assert_num_queries(2):
        CodeLists.load(sites=[library_site])
    with django_assert_num_queries(0):
        CodeLists.load(sites=[library_site])


def test_a_channel_added_after_the_lists_were_cached_is_known_at_once(library_site):
    CodeLists.load(sites=[library_site])
    Channel.objects.create(code="carrier-pigeon", label_sv="Brevduva", label_en="Carrier pigeon")
    assert "carrier-pigeon" in CodeLists.load(sites=[library_site]).channels


def test_a_channel_deleted_after_the_lists_were_cached_is_unknown_at_once(library_site):
    fax = Channel.objects.create(code="fax", label_sv="Fax", label_en="Fax")
    CodeLists.load(sites=[library_site])
    fax.delete()
    assert "fax" not in CodeLists.load(sites=[library_site]).channels
