"""Statistics as someone may read them: a scope checked against what the caller may read,
the engine's figures, and suppression where the data is not the caller's (SPEC §3). The API,
the dashboards, their exports and their live updates all read statistics through here, so
a number is suppressed the same way wherever it is shown."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from accounts.access import Action, Caller, organisations_for, sites_for
from indicators.engine import GroupBy, StatsTable, compute
from indicators.scopes import Scope
from indicators.suppression import suppress
from organisations.models import Membership, Organisation, Site


class ScopeNotReadable(LookupError):
    """The scope lies wholly outside what the caller may read: answered as if it did not
    exist."""


class ScopeTooWide(PermissionError):
    """The scope includes sites whose statistics the caller may not read."""


@dataclass(frozen=True)
class ReadableScope:
    """A scope the caller may read whole, its sites, and the organisations whose data the
    caller sees unsuppressed."""

    scope: Scope
    sites: list[Site]
    owned_organisations: QuerySet[Organisation]

    @property
    def site_codes(self) -> list[str]:
        return [site.code for site in self.sites]


def readable_scope(*, caller: Caller, scope: Scope) -> ReadableScope:
    """The scope, if the caller may read its statistics whole. A scope is answered for every
    site in it or refused, never narrowed to the caller's sites under the wider label. Who
    may read which sites is `sites_for(caller, Action.VIEW_STATISTICS)`: analysts and
    partners their region, staff and managers their own organisation's sites."""
    readable = sites_for(caller, Action.VIEW_STATISTICS)
    # Evaluated once: as a nested subquery the planner guesses one or two sites and reads
    # the visit table once per site (bench/RESULTS.md).
    in_scope = list(
        scope.sites.select_related("municipality").annotate(
            readable=Exists(readable.filter(pk=OuterRef("pk")))
        )
    )
    sites = [site for site in in_scope if site.readable]
    if in_scope and not sites:
        raise ScopeNotReadable(str(scope))
    if len(sites) < len(in_scope):
        raise ScopeTooWide(str(scope))
    return ReadableScope(
        scope=scope, sites=sites, owned_organisations=organisations_for(caller, Action.VIEW)
    )


@dataclass(frozen=True)
class Statistics:
    """Suppressed figures and what was suppressed (`[{"key", "indicator", "reason"}]`)."""

    table: StatsTable
    suppressed: list[dict[str, Any]]


def statistics_read(
    readable: ReadableScope,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: GroupBy = None,
    indicators: Collection[str] | None = None,
) -> Statistics:
    """The scope's indicators (all, or those in `indicators`) for the period, as the caller
    may see them."""
    table = compute(
        sites=readable.sites,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        area_municipalities=readable.scope.area_municipalities,
        owned_organisations=readable.owned_organisations,
        indicators=indicators,
    )
    table, suppressed = suppress(table, min_cell=settings.STATS_MIN_CELL)
    return Statistics(table=table, suppressed=suppressed)


def home_scope_for(caller: Caller) -> str | None:
    """The scope a manager or analyst lands on after signing in (`kind:code`), or None for
    someone who reads no statistics of their own (counter staff land on the quick log).
    Analysts read their organisation's region; managers their site, or their organisation
    when they manage more than one site or the whole organisation."""
    if not (caller.is_authenticated and caller.is_active):
        return None
    memberships = list(
        Membership.objects.for_user(caller)
        .with_roles([Membership.Role.ANALYST, Membership.Role.MANAGER])
        .select_related("organisation__region", "site")
        .order_by("pk")
    )
    analyst = next((m for m in memberships if m.role == Membership.Role.ANALYST), None)
    if analyst is not None:
        return f"region:{analyst.organisation.region.code}"
    # Administrators manage the system rather than a centre: they keep the start page.
    if not memberships:
        return None
    if len(memberships) == 1 and memberships[0].site is not None:
        return f"site:{memberships[0].site.code}"
    return f"organisation:{memberships[0].organisation.code}"
