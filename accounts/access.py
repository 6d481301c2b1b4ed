"""Who may do what: one function per kind of object, each taking the caller and the action and
returning the objects the caller may act on. Every page, API view, export and WebSocket
consumer asks here; none filters objects on its own.

The caller is a user (a membership gives a role at a site or across an organisation, SPEC §2)
or an API key's client (api.authentication.ApiClient), which acts for its whole organisation.
Roles: `staff` log visits at their sites; `manager` also correct their sites' visits of the
day; `analyst` read statistics for the whole region (suppressed where their organisation
does not own the data); `admin` manage their organisation.

This module sits above the models it filters (organisations, visits, and the help-desk's when
it comes), so it imports them at the top; the models never import it.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from organisations.models import Membership, Organisation, Site
from organisations.querysets import SiteQuerySet
from visits.models import Visit

Caller = AbstractBaseUser | AnonymousUser


class Action(StrEnum):
    VIEW = "view"  # single objects: a site's own data, a visit
    LOG = "log"  # record visits at a site
    CHANGE = "change"  # correct a visit
    UNDO = "undo"  # take back a visit just saved
    MANAGE = "manage"  # a site's staffed hours, its cases' assignment
    VIEW_STATISTICS = "view_statistics"


LOGGING_ROLES = (Membership.Role.STAFF, Membership.Role.MANAGER, Membership.Role.ADMIN)
MANAGING_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMIN)
ALL_ROLES = tuple(Membership.Role)


def _active(caller: Caller) -> bool:
    return caller.is_authenticated and caller.is_active


def _api_organisation(caller: Caller) -> Organisation | None:
    """The organisation behind an API key's client, else None."""
    return getattr(caller, "organisation", None)


def _sites_with_role(caller: Caller, roles) -> SiteQuerySet:
    if not _active(caller):
        return Site.objects.none()
    if caller.is_superuser:
        return Site.objects.all()
    if (organisation := _api_organisation(caller)) is not None:
        # An organisation's system acts for the whole organisation; it logs no counter visits
        # through the pages, but reports them through the API like any staff member.
        return Site.objects.filter(organisation=organisation)
    memberships = Membership.objects.for_user(caller).with_roles(roles)
    return Site.objects.filter(
        Q(pk__in=memberships.filter(site__isnull=False).values("site"))
        | Q(organisation__in=memberships.filter(site__isnull=True).values("organisation"))
    )


def _sites_for_statistics(caller: Caller) -> SiteQuerySet:
    """Owned sites in full, and for analysts and partners every site in their organisation's
    region (suppressed where not owned, decided by the caller of the engine)."""
    owned = _sites_with_role(caller, ALL_ROLES)
    if not _active(caller) or caller.is_superuser:
        return owned
    if (organisation := _api_organisation(caller)) is not None:
        return Site.objects.filter(municipality__region=organisation.region_id)
    analyst_regions = (
        Membership.objects.for_user(caller)
        .with_roles([Membership.Role.ANALYST])
        .values("organisation__region")
    )
    return Site.objects.filter(
        Q(pk__in=owned.values("pk")) | Q(municipality__region__in=analyst_regions)
    )


def sites_for(caller: Caller, action: Action) -> SiteQuerySet:
    """The sites at which the caller may take the action."""
    if action == Action.VIEW:
        return _sites_with_role(caller, ALL_ROLES)
    if action == Action.LOG:
        return _sites_with_role(caller, LOGGING_ROLES).filter(is_active=True)
    if action == Action.MANAGE:
        return _sites_with_role(caller, MANAGING_ROLES)
    if action == Action.VIEW_STATISTICS:
        return _sites_for_statistics(caller)
    raise ValueError(f"No site action {action!r}")


def visits_for(caller: Caller, action: Action) -> QuerySet[Visit]:
    """The visits on which the caller may take the action.

    view: every visit at their organisation's sites. change: visits of today, their own at
    sites where they still log, and every one at sites they manage. undo: their own, in the
    moments after saving (the screen's undo button, plus a grace for slow networks)."""
    if not _active(caller):
        return Visit.objects.none()
    visible = Visit.objects.filter(site__in=sites_for(caller, Action.VIEW))
    if action == Action.VIEW:
        return visible
    if _api_organisation(caller) is not None:
        # A partner's system reports and reads visits; it corrects nothing at the counter.
        return Visit.objects.none()
    if action == Action.CHANGE:
        return Visit.objects.started_today().filter(
            Q(created_by=caller, site__in=sites_for(caller, Action.LOG))
            | Q(site__in=sites_for(caller, Action.MANAGE))
        )
    if action == Action.UNDO:
        return visible.filter(created_by=caller).still_undoable()
    raise ValueError(f"No visit action {action!r}")


def organisations_for(caller: Caller, action: Action) -> QuerySet[Organisation]:
    """view: the organisations whose data the caller sees in full (unsuppressed)."""
    if action != Action.VIEW:
        raise ValueError(f"No organisation action {action!r}")
    if not _active(caller):
        return Organisation.objects.none()
    if caller.is_superuser:
        return Organisation.objects.all()
    if (organisation := _api_organisation(caller)) is not None:
        return Organisation.objects.filter(pk=organisation.pk)
    return Organisation.objects.filter(
        pk__in=Membership.objects.for_user(caller).values("organisation")
    )
