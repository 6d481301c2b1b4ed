import pytest

from tests.factories import open_case


@pytest.fixture
def case(site):
    return open_case(site)
