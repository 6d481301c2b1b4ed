from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiKey
from api.services import api_key_authenticate

KEYWORD = "Api-Key"


@dataclass(frozen=True)
class ApiClient:
    """Who calls with an API key: an organisation, not a person. Quacks enough like a user
    for DRF and for the access rules (accounts.access), which treat it as the organisation's
    system."""

    api_key: ApiKey

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None

    @property
    def organisation(self):
        return self.api_key.organisation

    def get_username(self) -> str:
        return f"api:{self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _space, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("The Api-Key header holds no key."))
        api_key = api_key_authenticate(key=key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown, revoked or expired API key."))
        return ApiClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>`; keys come from `create_api_key`.",
        }
