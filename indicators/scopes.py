"""Scopes of statistics as the API writes them: `region:24`, `municipality:2481`,
`site:lycksele`, `organisation:<code>`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Municipality, Organisation, Region, Site

ScopeKind = Literal["region", "municipality", "site", "organisation"]
SCOPE_KINDS: tuple[str, ...] = ("region", "municipality", "site", "organisation")

_CODE_PATTERNS = {
    "region": re.compile(r"\d{2}"),
    "municipality": re.compile(r"\d{4}"),
    "site": re.compile(r"[-a-zA-Z0-9_]+"),
    "organisation": re.compile(r"[-a-zA-Z0-9_]+"),
}


class ScopeError(ValueError):
    pass


@dataclass(frozen=True)
class Scope:
    """What a statistics request covers. `sites` includes inactive sites: their history
    still counts. `area_municipalities` is the area the scope denotes, for visits per 1,000
    inhabitants; sites and organisations are not areas."""

    kind: ScopeKind
    code: str
    label: str
    sites: QuerySet[Site]
    area_municipalities: QuerySet[Municipality] | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


def parse_scope(text: str) -> Scope:
    kind, separator, code = (text or "").strip().partition(":")
    if not separator or kind not in SCOPE_KINDS:
        raise ScopeError(
            _(
                'Invalid scope "%(scope)s": write region:<code>, municipality:<code>, '
                "site:<code> or organisation:<code>."
            )
            % {"scope": text}
        )
    if not _CODE_PATTERNS[kind].fullmatch(code):
        raise ScopeError(str(_MALFORMED_CODE[kind]) % {"code": code})
    scope = _LOOKUPS[kind](code)
    if scope is None:
        raise ScopeError(str(_UNKNOWN_CODE[kind]) % {"code": code})
    return scope


def _region(code: str) -> Scope | None:
    region = Region.objects.filter(code=code).first()
    if region is None:
        return None
    return Scope(
        kind="region",
        code=code,
        label=region.name,
        sites=Site.objects.filter(municipality__region=region),
        area_municipalities=Municipality.objects.filter(region=region),
    )


def _municipality(code: str) -> Scope | None:
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        return None
    return Scope(
        kind="municipality",
        code=code,
        label=municipality.name,
        sites=Site.objects.filter(municipality=municipality),
        area_municipalities=Municipality.objects.filter(pk=municipality.pk),
    )


def _site(code: str) -> Scope | None:
    site = Site.objects.filter(code=code).first()
    if site is None:
        return None
    return Scope(kind="site", code=code, label=site.name, sites=Site.objects.filter(pk=site.pk))


def _organisation(code: str) -> Scope | None:
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        return None
    return Scope(
        kind="organisation",
        code=code,
        label=organisation.name,
        sites=Site.objects.filter(organisation=organisation),
    )


_LOOKUPS: dict[str, Callable[[str], Scope | None]] = {
    "region": _region,
    "municipality": _municipality,
    "site": _site,
    "organisation": _organisation,
}

_MALFORMED_CODE = {
    "region": gettext_lazy('A region code is two digits (SCB county code), not "%(code)s".'),
    "municipality": gettext_lazy(
        'A municipality code is four digits (SCB municipality code), not "%(code)s".'
    ),
    "site": gettext_lazy('"%(code)s" is not a valid site code.'),
    "organisation": gettext_lazy('"%(code)s" is not a valid organisation code.'),
}

_UNKNOWN_CODE = {
    "region": gettext_lazy('There is no region with the code "%(code)s".'),
    "municipality": gettext_lazy('There is no municipality with the code "%(code)s".'),
    "site": gettext_lazy('There is no site with the code "%(code)s".'),
    "organisation": gettext_lazy('There is no organisation with the code "%(code)s".'),
}
