from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    """Swedish unless the user chose otherwise (the language button sets a cookie).

    Unlike Django's LocaleMiddleware, pages ignore the browser's Accept-Language: a counter
    tablet set up in English must still greet staff in Swedish, the service's language. The
    API honours Accept-Language, as other systems expect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.available and request.path.startswith("/api/"):
            # Other systems ask for the language of error messages the usual way.
            chosen = translation.get_language_from_request(request, check_path=False)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
