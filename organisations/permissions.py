"""What each user may see and change. Every view, list, API, export and consumer asks here.

Roles (SPEC §2): `staff` log visits at their sites; `manager` also edit their sites' visits
of the day and read their statistics; `analyst` read statistics for the whole region
(suppressed for data their organisation does not own); `admin` manage their organisation.
A membership either covers a whole organisation (site empty) or one of its sites.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from organisations.models import Membership, Organisation, Site
from organisations.querysets import SiteQuerySet

User = AbstractBaseUser | AnonymousUser

LOGGING_ROLES = (Membership.Role.STAFF, Membership.Role.MANAGER, Membership.Role.ADMIN)
MANAGING_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMIN)
ALL_ROLES = tuple(Membership.Role)


def _api_organisation(user) -> Organisation | None:
    """The organisation behind an API key caller (api.authentication.ApiClient), else None."""
    return getattr(user, "organisation", None)


def _sites_with_role(user: User, roles) -> SiteQuerySet:
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    if (organisation := _api_organisation(user)) is not None:
        # An organisation's system acts for the whole organisation; it logs no counter visits
        # through the pages, but reports them through the API like any staff member.
        return Site.objects.filter(organisation=organisation)
    memberships = Membership.objects.for_user(user).with_roles(roles)
    return Site.objects.filter(
        Q(pk__in=memberships.filter(site__isnull=False).values("site"))
        | Q(organisation__in=memberships.filter(site__isnull=True).values("organisation"))
    )


def sites_owned_for(user: User) -> SiteQuerySet:
    """Sites whose own data (single visits, cases) the user may read: their organisation's."""
    return _sites_with_role(user, ALL_ROLES)


def sites_loggable_by(user: User) -> SiteQuerySet:
    """Sites where the user may log visits at the counter."""
    return _sites_with_role(user, LOGGING_ROLES).filter(is_active=True)


def sites_managed_by(user: User) -> SiteQuerySet:
    return _sites_with_role(user, MANAGING_ROLES)


def sites_for_statistics(user: User) -> SiteQuerySet:
    """Sites whose statistics the user may read: owned ones in full, and for analysts every
    site in their organisation's region (suppressed where not owned, decided by the caller)."""
    owned = sites_owned_for(user)
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return owned
    if (organisation := _api_organisation(user)) is not None:
        # Partners read regional statistics (suppressed where not theirs, SPEC §5).
        return Site.objects.filter(municipality__region=organisation.region_id)
    analyst_regions = (
        Membership.objects.for_user(user)
        .with_roles([Membership.Role.ANALYST])
        .values("organisation__region")
    )
    return Site.objects.filter(
        Q(pk__in=owned.values("pk")) | Q(municipality__region__in=analyst_regions)
    )


def organisations_owned_by(user: User):
    """Organisations whose data the user sees unsuppressed."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    if (organisation := _api_organisation(user)) is not None:
        return Organisation.objects.filter(pk=organisation.pk)
    return Organisation.objects.filter(
        pk__in=Membership.objects.for_user(user).values("organisation")
    )


def visits_visible_to(user: User):
    """Single visits the user may list and open: those at sites of their own organisation."""
    from visits.models import Visit

    return Visit.objects.filter(site__in=sites_owned_for(user))


def can_change_visit(user: User, visit) -> bool:
    return visits_changeable_by(user).filter(pk=visit.pk).exists()


def visits_changeable_by(user: User):
    """Visits of today the user may correct: their own at sites where they still log visits,
    and every visit at sites they manage."""
    from visits.models import Visit

    if not user.is_authenticated or not user.is_active:
        return Visit.objects.none()
    return Visit.objects.started_today().filter(
        Q(created_by=user, site__in=sites_loggable_by(user)) | Q(site__in=sites_managed_by(user))
    )


def can_undo_visit(user: User, visit) -> bool:
    """Only the author, and only in the moments after saving (the screen's undo button)."""
    from visits.services import visit_undo_deadline

    return (
        user.is_authenticated
        and visit.created_by_id == user.pk
        and timezone.now() <= visit_undo_deadline(visit)
    )
