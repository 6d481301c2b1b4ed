"""Every path the URL configuration serves, so that a test over "every page" also covers the
pages added after it was written."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from django.urls import URLPattern, URLResolver, get_resolver

_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(patterns, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def samples_for(site, visit, case, appointment=None) -> dict[str, str]:
    """Parameters naming a site, a visit, a follow-up case and an appointment (none: an id no
    appointment has), and the site's statistics, for `every_path`."""
    return {
        "appointment_id": str(appointment.pk) if appointment is not None else "0",
        "number": case.number,
        "site_code": site.code,
        "visit_id": str(visit.pk),
        "pk": str(visit.pk),
        "kind": "site",
        "code": site.code,
        "chart": "barriers",
    }


def every_path(samples: Mapping[str, str], *, skip: tuple[str, ...] = ("admin/",)) -> list[str]:
    """Each route with its parameters filled in from `samples` (by parameter name). Routes
    under a prefix in `skip` are left out: the admin's hundreds of generated pages are
    Django's own, and a test names the few of them it visits."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(skip):
            continue
        filled = _PARAMETER.sub(lambda match: samples[match.group(1)], route)
        paths.append("/" + filled)
    return paths
