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


def test_the_code_lists_take_two_queries(library_site, django_assert_num_queries):
    with django_assert_num_queries(2):
        CodeLists.load(sites=[library_site])
