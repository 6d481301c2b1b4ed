"""Every code list the API validates against, at hand for each request, so that validating
one visit or a bulk of 500 asks the database nothing more than the caller's sites.

The taxonomies and municipalities change a few times a year, through the admin, and every
visit POST needs them: they are kept in the shared cache and dropped from it when one of
them is saved or deleted (once that commits; `api.apps` connects the signals), and in any
case after CACHE_SECONDS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, QuerySet, Value

from organisations.models import Municipality, Site
from visits.models import AgeBand, Barrier, Channel, EService, HelpMode, Language, Outcome


@dataclass(frozen=True)
class CodeLists:
    sites: dict[str, Site]
    services: frozenset[str]
    modes: frozenset[str]
    outcomes: frozenset[str]
    barriers: frozenset[str]
    channels: frozenset[str]
    age_bands: frozenset[str]
    languages: frozenset[str]
    municipalities: dict[str, int]

    @classmethod
    def load(cls, *, sites) -> CodeLists:
        shared = cache.get(CACHE_KEY)
        if shared is None:
            shared = _shared_code_lists()
            cache.set(CACHE_KEY, shared, CACHE_SECONDS)
        return cls(sites={site.code: site for site in sites}, **shared)


CACHE_KEY = "api:code-lists"
CACHE_SECONDS = 15 * 60


def _shared_code_lists() -> dict[str, Any]:
    # Inactive entries stay valid: an offline tablet may sync visits logged before an entry
    # was retired.
    codes: dict[str, set[str]] = {name: set() for name in TAXONOMIES}
    for name, code in _all_taxonomy_codes():
        codes[name].add(code)
    return {
        **{name: frozenset(values) for name, values in codes.items()},
        "municipalities": dict(Municipality.objects.values_list("code", "pk")),
    }


def code_lists_changed(**_signal: Any) -> None:
    """A taxonomy entry or municipality was saved or deleted: drop the cached lists now, and
    again once that commits, since a request in between may have cached the old ones."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


# The code lists of the taxonomy tables, by CodeLists field.
TAXONOMIES = {
    "services": EService,
    "modes": HelpMode,
    "outcomes": Outcome,
    "barriers": Barrier,
    "channels": Channel,
    "age_bands": AgeBand,
    "languages": Language,
}


def _all_taxonomy_codes() -> QuerySet:
    """(list name, code) of every taxonomy in one query rather than one each: every ingest
    request loads them, and each round trip costs more than the rows."""
    selects = [
        model.objects.order_by().values_list(Value(name, output_field=CharField()), "code")
        for name, model in TAXONOMIES.items()
    ]
    return selects[0].union(*selects[1:], all=True)


# Models whose rows are code lists the API validates against.
CODE_LIST_MODELS = (*TAXONOMIES.values(), Municipality)
