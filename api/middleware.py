"""Everything under /api/ answers in JSON, errors included (SPEC §5).

DRF turns the errors of its own views into JSON. What happens outside them is Django's: a
path no URL matches, a method a non-DRF view refuses, an exception no view caught. Django
answers those with its HTML pages, or with its debug pages when DEBUG is on, since it never
calls the error handlers then. This middleware sits inside LanguageMiddleware, so the message
comes in the caller's Accept-Language, and replaces any such page with the API's error shape."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import MethodNotAllowed

API_PREFIX = "/api/"


def _not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": _("Not found.")}, status=404)


def _method_not_allowed(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": str(MethodNotAllowed(request.method).detail)}, status=405)


def _server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"detail": _("Something went wrong on our side. Please try again.")}, status=500
    )


def _service_unavailable(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"detail": _("The service is busy right now. Please try again in a few seconds.")},
        status=503,
    )


JSON_ERRORS: dict[int, Callable[[HttpRequest], JsonResponse]] = {
    404: _not_found,
    405: _method_not_allowed,
    500: _server_error,
    503: _service_unavailable,
}
# Headers of Django's answer that still hold for the JSON one.
KEPT_HEADERS = ("Allow", "Retry-After")


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        make_json = JSON_ERRORS.get(response.status_code)
        if (
            make_json is None
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        replacement = make_json(request)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
