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

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from helpdesk.models import Appointment, Case, QueueTicket
from organisations.models import Membership, Organisation, Site
from organisations.querysets import SiteQuerySet
from visits.models import Visit

Caller = AbstractBaseUser | AnonymousUser


class Action(StrEnum):
    VIEW = "view"  # single objects: a site's own data, a visit
    LOG = "log"  # record visits at a site
    CHANGE = "change"  # correct a visit
    UNDO = "undo"  # take back a visit just saved
    MANAGE = "manage"  # a site's staffed hours
    OPEN_CASE = "open_case"  # open a follow-up case at a site
    REFER = "refer"  # send a visitor on to a site's follow-up (a partner, through the API)
    VIEW_STATISTICS = "view_statistics"


LOGGING_ROLES = (Membership.Role.STAFF, Membership.Role.MANAGER, Membership.Role.ADMIN)
MANAGING_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMIN)
ALL_ROLES = tuple(Membership.Role)
# Follow-up cases hold contact details: the counter and its managers work them, analysts
# (statistics only) do not see them.
CASE_ROLES = LOGGING_ROLES


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


def _sites_to_refer_to(caller: Caller) -> SiteQuerySet:
    """Where a visitor can be sent for follow-up: a partner's system refers to the active
    service centres of its region, whoever runs them, and to its own sites; a user opens
    cases where they work."""
    if (organisation := _api_organisation(caller)) is not None and _active(caller):
        return Site.objects.filter(is_active=True).filter(
            Q(organisation=organisation)
            | Q(kind=Site.Kind.SERVICE_CENTRE, municipality__region=organisation.region_id)
        )
    return _sites_with_role(caller, CASE_ROLES).filter(is_active=True)


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
    if action == Action.OPEN_CASE:
        return _sites_with_role(caller, CASE_ROLES).filter(is_active=True)
    if action == Action.REFER:
        return _sites_to_refer_to(caller)
    raise ValueError(f"No site action {action!r}")


def users_for_site(site: Site, action: Action) -> QuerySet:
    """The active users who may take the action at the site, the other way round from
    sites_for: log: its counter staff (who may be assigned its follow-up cases)."""
    if action != Action.LOG:
        raise ValueError(f"No user action {action!r}")
    memberships = Membership.objects.with_roles(LOGGING_ROLES).filter(
        Q(site=site) | Q(site__isnull=True, organisation=site.organisation_id)
    )
    return get_user_model().objects.filter(is_active=True, pk__in=memberships.values("user"))


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


def cases_for(caller: Caller, action: Action) -> QuerySet[Case]:
    """The follow-up cases on which the caller may take the action.

    view: cases at sites where the caller works them (staff, managers, administrators); for
    a partner's API key, its own sites' cases and the cases it referred to others. change
    (status, details, comments): cases at sites where the caller works them; a partner's
    system changes none."""
    if not _active(caller):
        return Case.objects.none()
    if (organisation := _api_organisation(caller)) is not None:
        if action == Action.VIEW:
            return Case.objects.filter(
                Q(site__organisation=organisation) | Q(referred_by=organisation)
            )
        if action == Action.CHANGE:
            return Case.objects.none()
    elif action in (Action.VIEW, Action.CHANGE):
        return Case.objects.filter(site__in=_sites_with_role(caller, CASE_ROLES))
    raise ValueError(f"No case action {action!r}")


def appointments_for(caller: Caller, action: Action) -> QuerySet[Appointment]:
    """The appointments on which the caller may take the action.

    view: appointments at the sites where the caller works the counter (staff, managers,
    administrators), an inactive site's too; change (move, cancel, mark, log the visit): at
    the sites where they still log visits. A booking may hold contact details, so analysts
    (statistics only) and partners' systems see none. Who may book where is
    sites_for(caller, Action.LOG); who can be booked, users_for_site(site, Action.LOG)."""
    if not _active(caller) or _api_organisation(caller) is not None:
        return Appointment.objects.none()
    if action == Action.VIEW:
        return Appointment.objects.filter(site__in=_sites_with_role(caller, LOGGING_ROLES))
    if action == Action.CHANGE:
        return Appointment.objects.filter(site__in=sites_for(caller, Action.LOG))
    raise ValueError(f"No appointment action {action!r}")


def queue_tickets_for(caller: Caller, action: Action) -> QuerySet[QueueTicket]:
    """change: the tickets of the queues the caller works, at sites where they log visits (the
    waiting room's display shows numbers and desks to anyone, through
    helpdesk.services.queue_display_state, and needs no ticket)."""
    if action != Action.CHANGE:
        raise ValueError(f"No queue ticket action {action!r}")
    return QueueTicket.objects.filter(site__in=sites_for(caller, Action.LOG))
