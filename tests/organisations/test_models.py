import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_a_site_cannot_be_called_by_a_word_its_addresses_use():
    # /visits/list/ is the visit list: a site "list" would lose its quick-log page.
    with pytest.raises(IntegrityError):
        SiteFactory(code="list")


def test_the_admin_form_explains_a_reserved_site_code():
    site = SiteFactory.build(code="visit")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        site.validate_constraints()
    assert "a word the site's addresses use" in str(error.value)
