from __future__ import annotations

from django.db import models


class SiteQuerySet(models.QuerySet):
    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)

    def with_place(self) -> SiteQuerySet:
        return self.select_related("organisation", "municipality__region")


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> MembershipQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)

    def with_roles(self, roles) -> MembershipQuerySet:
        return self.filter(role__in=list(roles))
