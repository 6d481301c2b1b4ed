"""Every code list the API validates against, loaded once per request (a few small queries),
so that validating a bulk of 500 visits asks the database nothing more."""

from __future__ import annotations

from dataclasses import dataclass

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
        # Inactive entries stay valid: an offline tablet may sync visits logged before an
        # entry was retired.
        codes: dict[str, set[str]] = {name: set() for name in TAXONOMIES}
        for name, code in _all_taxonomy_codes():
            codes[name].add(code)
        return cls(
            sites={site.code: site for site in sites},
            **{name: frozenset(values) for name, values in codes.items()},
            municipalities=dict(Municipality.objects.values_list("code", "pk")),
        )


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
