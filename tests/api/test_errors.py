"""Under /api/ every 404, 405 and 500 is JSON in the API's error shape, in the caller's
language, with DEBUG on (Django's debug pages) as with DEBUG off (its error handlers)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MISSING = ["/api/", "/api/v1/", "/api/v1/no-such-endpoint/", "/api/v1/visits/not-a-uuid/"]


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def anonymous() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", MISSING)
def test_a_path_under_api_that_does_not_exist_is_a_json_404(anonymous, debug, path):
    response = anonymous.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_json_404_is_in_the_callers_language(anonymous, debug):
    response = anonymous.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.json() == {"detail": "Hittades inte."}
    assert response.headers["Content-Language"] == "sv"


def test_a_wrong_method_on_the_api_docs_is_a_json_405_naming_the_method(anonymous, debug):
    response = anonymous.delete("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": 'Metoden "DELETE" tillåts inte.'}
    assert "GET" in response.headers["Allow"]


@pytest.mark.urls("tests.api.failing_urls")
@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_server_error_under_api_is_a_json_500_in_the_callers_language(anonymous, debug, language):
    response = anonymous.get("/api/v1/failing/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    expected = {
        "sv": "Något gick fel hos oss. Försök igen.",
        "en": "Something went wrong on our side. Please try again.",
    }[language]
    assert response.json() == {"detail": expected}


@pytest.mark.urls("tests.api.failing_urls")
def test_a_server_error_answer_carries_no_trace_of_the_defect(anonymous, debug):
    response = anonymous.get("/api/v1/failing/")
    assert "a defect in a view" not in response.text
    assert "Traceback" not in response.text


def test_a_missing_page_outside_the_api_stays_an_html_page(anonymous, debug):
    response = anonymous.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
