"""Every code list the API validates against, loaded once per request (a few small queries),
so that validating a bulk of 500 visits asks the database nothing more."""

from __future__ import annotations

from dataclasses import dataclass

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
        def codes(model) -> frozenset[str]:
            return frozenset(model.objects.values_list("code", flat=True))

        return cls(
            sites={site.code: site for site in sites},
            services=codes(EService),
            modes=codes(HelpMode),
            outcomes=codes(Outcome),
            barriers=codes(Barrier),
            channels=codes(Channel),
            age_bands=codes(AgeBand),
            languages=codes(Language),
            municipalities=dict(Municipality.objects.values_list("code", "pk")),
        )
