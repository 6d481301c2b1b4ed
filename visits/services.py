"""Visit workflows. Views, forms and (later) the API call these; nothing else writes visits."""

from __future__ import annotations

import datetime
import operator
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record, audit_record_many, audit_scrub_field
from indicators.rollups import rollup_add, rollup_change, rollup_subtract
from organisations.models import Municipality, Site
from servicecenter.bulk_copy import copy_rows, copy_supported
from servicecenter.live import site_changed_on_commit
from servicecenter.workdays import public_holidays
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpItem,
    HelpMode,
    Language,
    Outcome,
    StaffedHours,
    StaffingException,
    StaffingPattern,
    Visit,
)
from visits.querysets import undo_window
from visits.records import RecordValues, check_visit_record, plain_values

# SQLite allows about a thousand parameters in one statement.
PURGE_BATCH = 500

# The fields a client reports for a visit; the audit history keeps these plus who served it
# and where the record came from.
REPORTED_FIELDS = (
    "site_id",
    "started_at",
    "duration_min",
    "channel_id",
    "participants",
    "age_band_id",
    "gender",
    "language_id",
    "interpreter",
    "first_visit",
    "visitor_municipality_id",
    "confidence_before",
    "confidence_after",
    "note",
)
SNAPSHOT_FIELDS = ("staff_id", "source", *REPORTED_FIELDS)


@dataclass(frozen=True)
class HelpItemInput:
    service: EService
    mode: HelpMode
    outcome: Outcome


def _audit_values(
    source: object, fields: Sequence[str], *, barriers: Iterable[str], help: Iterable[Sequence[str]]
) -> dict[str, Any]:
    """Codes and raw values, the form the audit history keeps."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(source, name)
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        values[name.removesuffix("_id")] = value
    values["barriers"] = sorted(barriers)
    values["help"] = [list(item) for item in help]
    return values


def visit_snapshot(visit: Visit) -> dict[str, Any]:
    return _audit_values(
        visit,
        SNAPSHOT_FIELDS,
        barriers=(b.pk for b in visit.barriers.all()),
        help=((i.service_id, i.mode_id, i.outcome_id) for i in visit.help_items.all()),
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), after.get(key)] for key in after if before.get(key) != after[key]
    }


def _check_record(
    fields: dict[str, Any],
    *,
    barriers: Sequence[Barrier] | None = None,
    help_items: Sequence[HelpItemInput] | None = None,
) -> None:
    """The one validation of a visit record (visits.records) over the values a workflow was
    given; raises ValidationError naming the fields, before anything is written."""
    values = plain_values(fields)
    if barriers is not None:
        values["barriers"] = [barrier.pk for barrier in barriers]
    if help_items is not None:
        values["help"] = [(i.service.pk, i.mode.pk, i.outcome.pk) for i in help_items]
    check_visit_record(values)


def _broadcast(visit: Visit, event_type: str) -> None:
    site_changed_on_commit(
        visit.site.code,
        {"type": event_type, "visit": str(visit.pk), "site": visit.site.code},
    )


@transaction.atomic
def visit_log(
    *,
    site: Site,
    started_at: datetime.datetime,
    duration_min: int,
    channel: Channel,
    age_band: AgeBand,
    language: Language,
    help_items: Sequence[HelpItemInput],
    created_by=None,
    staff=None,
    participants: int = 1,
    gender: str = Visit.Gender.UNSTATED,
    interpreter: bool = False,
    first_visit: bool | None = None,
    visitor_municipality: Municipality | None = None,
    barriers: Iterable[Barrier] = (),
    confidence_before: int | None = None,
    confidence_after: int | None = None,
    note: str = "",
    source: str = Visit.Source.COUNTER,
    visit_id=None,
) -> Visit:
    """Record one visit with its help items. Raises ValidationError and saves nothing when any
    value is out of range or the note holds personal data."""
    barriers = list(barriers)
    _check_record(
        {
            "started_at": started_at,
            "duration_min": duration_min,
            "participants": participants,
            "gender": gender,
            "confidence_before": confidence_before,
            "confidence_after": confidence_after,
            "note": note,
        },
        barriers=barriers,
        help_items=help_items,
    )
    visit = Visit(
        site=site,
        staff=staff,
        started_at=started_at,
        duration_min=duration_min,
        participants=participants,
        channel=channel,
        age_band=age_band,
        gender=gender,
        language=language,
        interpreter=interpreter,
        first_visit=first_visit,
        visitor_municipality=visitor_municipality,
        confidence_before=confidence_before,
        confidence_after=confidence_after,
        note=note,
        source=source,
        created_by=created_by,
        updated_by=created_by,
    )
    # No full_clean(): _check_record above is the one validation of a visit record, and the
    # table's constraints hold its rules again. full_clean() would repeat them by asking the
    # database, one query per check constraint and per foreign key, on every save.
    if visit_id is None:
        visit.save(force_insert=True)
    else:
        # The id the screen chose: a save retried after a lost answer (or from the tablet's
        # outbox) names the visit already stored, which is answered as saved, not saved twice.
        visit.id = visit_id
        try:
            with transaction.atomic():
                visit.save(force_insert=True)
        except IntegrityError:
            if not Visit.objects.filter(pk=visit_id).exists():
                raise  # another constraint than the id's
            return _logged_before(visit, help_items=help_items, barriers=barriers)
    visit.barriers.set(barriers)
    HelpItem.objects.bulk_create(
        HelpItem(visit=visit, service=item.service, mode=item.mode, outcome=item.outcome)
        for item in help_items
    )
    audit_record(
        instance=visit,
        action=AuditEntry.Action.CREATE,
        actor=created_by,
        changes={key: [None, value] for key, value in visit_snapshot(visit).items()},
    )
    rollup_add(visit_ids=[visit.pk])
    _broadcast(visit, "visit.logged")
    return visit


def _logged_before(
    visit: Visit, *, help_items: Sequence[HelpItemInput], barriers: Sequence[Barrier]
) -> Visit:
    """The visit stored under the id of `visit` (not saved), when it is the same visit logged
    by the same person; otherwise the id is refused, telling nothing of what it holds."""
    stored = (
        Visit.objects.filter(pk=visit.pk, created_by__isnull=False, created_by=visit.created_by)
        .prefetch_related("help_items", "barriers")
        .first()
    )
    if stored is None or VisitRecord.of(stored) != VisitRecord.of_unsaved(
        visit, help_items=help_items, barriers=barriers
    ):
        raise ValidationError(
            _(
                "Another visit was already saved under this visit's id. Reload the page and "
                "log it again."
            ),
            code="id_taken",
        )
    return stored


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    updated_by,
    help_items: Sequence[HelpItemInput] | None = None,
    barriers: Iterable[Barrier] | None = None,
    **fields: Any,
) -> Visit:
    """Change a visit's fields (and, when given, its barriers and help items)."""
    barriers = list(barriers) if barriers is not None else None
    _check_record(fields, barriers=barriers, help_items=help_items)
    before = visit_snapshot(visit)
    # Its old site, day and categories lose the visit, the new ones gain it.
    with rollup_change(visit_ids=[visit.pk]):
        for name, value in fields.items():
            setattr(visit, name, value)
        visit.updated_by = updated_by
        visit.save()  # checked by _check_record, as in visit_log
        if barriers is not None:
            visit.barriers.set(barriers)
        if help_items is not None:
            visit.help_items.all().delete()
            HelpItem.objects.bulk_create(
                HelpItem(visit=visit, service=item.service, mode=item.mode, outcome=item.outcome)
                for item in help_items
            )
    changes = _diff(before, visit_snapshot(visit))
    if changes:
        audit_record(
            instance=visit, action=AuditEntry.Action.UPDATE, actor=updated_by, changes=changes
        )
    _broadcast(visit, "visit.changed")
    return visit


@transaction.atomic
def visit_delete(*, visit: Visit, deleted_by) -> None:
    """Remove a visit (the counter's undo); the audit history keeps what it was."""
    audit_record(
        instance=visit,
        action=AuditEntry.Action.DELETE,
        actor=deleted_by,
        changes={key: [value, None] for key, value in visit_snapshot(visit).items()},
    )
    _broadcast(visit, "visit.deleted")
    rollup_subtract(visit_ids=[visit.pk])
    visit.delete()


def visit_undo_deadline(visit: Visit) -> datetime.datetime:
    return visit.created_at + undo_window()


def visit_repeat(*, previous: Visit, created_by, started_at: datetime.datetime) -> Visit:
    """ "Same as last": a new visit with the previous one's categories and help items, starting now.
    The note and confidence answers belong to one visitor and are not copied."""
    return visit_log(
        site=previous.site,
        started_at=started_at,
        duration_min=previous.duration_min,
        channel=previous.channel,
        age_band=previous.age_band,
        language=previous.language,
        help_items=[
            HelpItemInput(service=item.service, mode=item.mode, outcome=item.outcome)
            for item in previous.help_items.all()
        ],
        created_by=created_by,
        staff=created_by,
        participants=previous.participants,
        gender=previous.gender,
        interpreter=previous.interpreter,
        first_visit=previous.first_visit,
        visitor_municipality=previous.visitor_municipality,
        barriers=previous.barriers.all(),
    )


def visit_notes_purge(*, older_than_days: int, now: datetime.datetime | None = None) -> int:
    """Clear the notes of visits older than the retention period, and the note values kept
    in their audit history; categories stay, so statistics do not change. Idempotent."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    ids = list(
        Visit.objects.filter(started_at__lt=cutoff).exclude(note="").values_list("pk", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(ids), PURGE_BATCH):
            batch = ids[start : start + PURGE_BATCH]
            Visit.objects.filter(pk__in=batch).update(note="", updated_at=timezone.now())
            audit_scrub_field(model=Visit, object_ids=batch, field="note")
    return len(ids)


@dataclass(frozen=True)
class VisitRecord:
    """A visit as reported by a client system (API, offline tablet), taxonomies as codes.
    Equal records mean the same visit: that is how a repeated submission is recognised."""

    id: uuid.UUID
    site_id: int
    started_at: datetime.datetime
    duration_min: int
    channel_id: str
    help: tuple[tuple[str, str, str], ...]  # (service, mode, outcome), sorted
    participants: int = 1
    age_band_id: str = "unknown"
    gender: str = Visit.Gender.UNSTATED
    language_id: str = "sv"
    interpreter: bool = False
    first_visit: bool | None = None
    visitor_municipality_id: int | None = None
    barriers: tuple[str, ...] = ()  # sorted
    confidence_before: int | None = None
    confidence_after: int | None = None
    note: str = ""

    @classmethod
    def of(cls, visit: Visit) -> VisitRecord:
        """The record a stored visit corresponds to (help items and barriers prefetched)."""
        return cls(
            id=visit.pk,
            help=tuple(
                sorted((i.service_id, i.mode_id, i.outcome_id) for i in visit.help_items.all())
            ),
            barriers=tuple(sorted(b.pk for b in visit.barriers.all())),
            **{name: getattr(visit, name) for name in REPORTED_FIELDS},
        )

    @classmethod
    def of_unsaved(
        cls, visit: Visit, *, help_items: Sequence[HelpItemInput], barriers: Sequence[Barrier]
    ) -> VisitRecord:
        """The record of a visit about to be logged, to compare with one stored."""
        return cls(
            id=visit.pk,
            help=tuple(sorted((i.service.pk, i.mode.pk, i.outcome.pk) for i in help_items)),
            barriers=tuple(sorted(b.pk for b in barriers)),
            **{name: getattr(visit, name) for name in REPORTED_FIELDS},
        )

    def values(self) -> RecordValues:
        """Its values as visits.records checks them."""
        return {
            "started_at": self.started_at,
            "duration_min": self.duration_min,
            "participants": self.participants,
            "channel": self.channel_id,
            "age_band": self.age_band_id,
            "gender": self.gender,
            "language": self.language_id,
            "barriers": self.barriers,
            "confidence_before": self.confidence_before,
            "confidence_after": self.confidence_after,
            "help": self.help,
            "note": self.note,
        }


class IngestStatus:
    CREATED = "created"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class IngestResult:
    id: uuid.UUID
    status: str


# The columns of the rows `_visit_rows` builds, in their order.
_VISIT_FIELDS = (
    "id",
    "source",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "staff_id",
    *REPORTED_FIELDS,
)
_HELP_ITEM_FIELDS = ("visit_id", "service_id", "mode_id", "outcome_id")
_BARRIER_LINK_FIELDS = ("visit_id", "barrier_id")
_reported_values = operator.attrgetter(*REPORTED_FIELDS)


def _visit_rows(
    records: Sequence[VisitRecord], *, source: str, now: datetime.datetime, logged_by_id: int | None
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Visits, help items and barrier links as plain tuples (columns as in the `_*_FIELDS`
    above): what COPY writes. Model instances cost more to build than the insert itself."""
    people = (logged_by_id, logged_by_id, logged_by_id)  # created, updated and staffed by
    visits = [
        (record.id, source, now, now, *people, *_reported_values(record)) for record in records
    ]
    help_items = [
        (record.id, service, mode, outcome)
        for record in records
        for service, mode, outcome in record.help
    ]
    barrier_links = [(record.id, code) for record in records for code in record.barriers]
    return visits, help_items, barrier_links


def _bulk_create_rows(
    visits: list[tuple], help_items: list[tuple], barrier_links: list[tuple]
) -> None:
    """The rows of `_visit_rows` through the ORM, for databases without COPY (SQLite)."""
    for model, fields, rows in (
        (Visit, _VISIT_FIELDS, visits),
        (HelpItem, _HELP_ITEM_FIELDS, help_items),
        (Visit.barriers.through, _BARRIER_LINK_FIELDS, barrier_links),
    ):
        model.objects.bulk_create(model(**dict(zip(fields, row, strict=True))) for row in rows)


def _insert(records: Sequence[VisitRecord], *, source: str, actor, logged_by) -> None:
    now = timezone.now()
    visits, help_items, barrier_links = _visit_rows(
        records, source=source, now=now, logged_by_id=logged_by.pk if logged_by else None
    )
    if copy_supported():
        # A duplicate id raises IntegrityError here as with INSERT: visit_ingest's retry.
        copy_rows(Visit, _VISIT_FIELDS, visits)
        copy_rows(HelpItem, _HELP_ITEM_FIELDS, help_items)
        copy_rows(Visit.barriers.through, _BARRIER_LINK_FIELDS, barrier_links)
    else:
        _bulk_create_rows(visits, help_items, barrier_links)
    audit_record_many(
        model=Visit,
        actor=actor,
        entries=[
            (str(record.id), {"source": [None, source], **_record_changes(record)})
            for record in records
        ],
    )
    rollup_add(visit_ids=[record.id for record in records])


def _record_changes(record: VisitRecord) -> dict[str, list[Any]]:
    values = _audit_values(record, REPORTED_FIELDS, barriers=record.barriers, help=record.help)
    return {name: [None, value] for name, value in values.items()}


def _stored_records(
    ids: Iterable[uuid.UUID], *, readable: QuerySet[Visit]
) -> dict[uuid.UUID, VisitRecord | None]:
    """The visits already stored under these ids: the record of each one the caller may read,
    and None for one it may not, whose content must not even be compared with the caller's."""
    taken = list(Visit.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
    if not taken:
        return {}
    stored: dict[uuid.UUID, VisitRecord | None] = dict.fromkeys(taken)
    visible = readable.filter(pk__in=taken).prefetch_related("help_items", "barriers")
    stored.update((visit.pk, VisitRecord.of(visit)) for visit in visible)
    return stored


def _compare(record: VisitRecord, stored: VisitRecord | None) -> str:
    # An id taken by a visit the caller may not read is a conflict whatever its content, so
    # the answer tells nothing about that visit.
    return IngestStatus.DUPLICATE if record == stored else IngestStatus.CONFLICT


def visit_ingest(
    *,
    records: Sequence[VisitRecord],
    readable: QuerySet[Visit],
    source: str = Visit.Source.API,
    actor=None,
    logged_by=None,
) -> list[IngestResult]:
    """Save records that are new; recognise the ones already stored.

    `logged_by` is the staff member who logged the visits at the counter and sends them now
    (the tablet's outbox, signed in): the new visits are theirs, as if saved on the quick log.
    A partner's system sends visits of nobody in particular.

    The client-chosen id is the idempotency key: a record equal to the stored visit is a
    `duplicate` (nothing changes), a different one with the same id is a `conflict`. Stored
    visits are compared only where they are in `readable`, the visits the caller may read:
    an id taken elsewhere is a `conflict` whatever the content. New records are inserted
    together; if another request inserts one of the same ids meanwhile, the primary key
    refuses it and each record is retried on its own.

    The caller validates the records first, to word the errors for its audience; the new
    ones are checked again here against the same rules, and if one is invalid nothing is
    saved (ValidationError)."""
    stored = _stored_records((record.id for record in records), readable=readable)
    results: list[IngestResult | None] = [None] * len(records)
    fresh: dict[uuid.UUID, int] = {}
    for index, record in enumerate(records):
        if record.id in stored:
            results[index] = IngestResult(record.id, _compare(record, stored[record.id]))
        elif record.id in fresh:
            first = records[fresh[record.id]]
            results[index] = IngestResult(record.id, _compare(record, first))
        else:
            fresh[record.id] = index
    new_records = [records[index] for index in fresh.values()]
    now = timezone.now()  # one clock reading for all: the same verdict, for less
    for record in new_records:
        check_visit_record(record.values(), now=now)
    try:
        with transaction.atomic():
            _insert(new_records, source=source, actor=actor, logged_by=logged_by)
            _announce_ingest(new_records)
    except IntegrityError:
        for index in fresh.values():
            results[index] = _ingest_one(
                records[index],
                readable=readable,
                source=source,
                actor=actor,
                logged_by=logged_by,
            )
    else:
        for index in fresh.values():
            results[index] = IngestResult(records[index].id, IngestStatus.CREATED)
    return results  # type: ignore[return-value]


def _ingest_one(
    record: VisitRecord, *, readable: QuerySet[Visit], source: str, actor, logged_by
) -> IngestResult:
    try:
        with transaction.atomic():
            _insert([record], source=source, actor=actor, logged_by=logged_by)
            _announce_ingest([record])
    except IntegrityError:
        stored = _stored_records([record.id], readable=readable)
        if record.id not in stored:  # not a duplicate key after all: a real constraint violation
            raise
        return IngestResult(record.id, _compare(record, stored[record.id]))
    return IngestResult(record.id, IngestStatus.CREATED)


def _announce_ingest(records: Sequence[VisitRecord]) -> None:
    site_codes = dict(
        Site.objects.filter(pk__in={record.site_id for record in records}).values_list("pk", "code")
    )
    counts: dict[int, int] = {}
    for record in records:
        counts[record.site_id] = counts.get(record.site_id, 0) + 1
    for site_id, count in counts.items():
        site_changed_on_commit(
            site_codes[site_id],
            {"type": "visits.ingested", "site": site_codes[site_id], "count": count},
        )


# --- Staffing: opening hours, staff on duty and the StaffedHours written from them -----------
#
# A site's regular week (StaffingPattern), its exceptions (StaffingException) and Sweden's
# public holidays decide its StaffedHours rows, which `visits_per_staffed_hour` divides by.
# These workflows are the only writers of those rows apart from the demo and the admin, and
# write them whenever one of the three changes, for the days the change concerns: days
# before a new week applies keep the hours recorded for them.
#
# A closed day has no StaffedHours row rather than a row of zeros. The indicator sums staff
# hours, to which a zero row adds nothing, and without zero rows the table means one thing
# whoever wrote it: the demo and the rows recorded before this workflow existed have rows
# for open days only. (An open day with no staff on duty still has its row: open hours, no
# staff hours.)

ONE_DAY = datetime.timedelta(days=1)
HUNDREDTH = Decimal("0.01")
SECONDS_PER_HOUR = 3600
_STAFFED_HOURS_FIELDS = ("site_id", "date", "open_hours", "staff_hours")
_PATTERN_AUDIT_FIELDS = ("site_id", "weekday", "opens", "closes", "staff_on_duty")
_EXCEPTION_AUDIT_FIELDS = ("site_id", "date", "closed", "opens", "closes", "staff_on_duty", "note")

TOO_EARLY = _("Choose %(earliest)s or later: earlier days keep the hours recorded for them.")
TOO_LATE = _("Choose %(horizon)s or earlier: staffed hours are planned to the end of next year.")


@dataclass(frozen=True)
class StaffingDay:
    """One open weekday of a regular week (0 = Monday)."""

    weekday: int
    opens: datetime.time
    closes: datetime.time
    staff_on_duty: int


@dataclass(frozen=True)
class StaffingCalendarDay:
    """A day that departs from the regular week: a public holiday, an exception, or both."""

    date: datetime.date
    holiday: str  # the public holiday's name in the current language, or ""
    exception: StaffingException | None

    @property
    def is_open(self) -> bool:
        # A public holiday is closed unless an exception opens it.
        return self.exception is not None and not self.exception.closed


def staffing_horizon(today: datetime.date | None = None) -> datetime.date:
    """The last day StaffedHours are written ahead for: the end of next calendar year."""
    today = today or timezone.localdate()
    return datetime.date(today.year + 1, 12, 31)


def staffing_earliest(today: datetime.date | None = None) -> datetime.date:
    """The first day a manager may still change: a year back. Older days stay as recorded."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def staffing_date_check(day: datetime.date) -> None:
    """Raise ValidationError unless the staffing of `day` may be changed (an exception's date,
    the day a new week applies from)."""
    earliest, horizon = staffing_earliest(), staffing_horizon()
    if day < earliest:
        raise ValidationError(
            TOO_EARLY, code="too_early", params={"earliest": date_format(earliest)}
        )
    if day > horizon:
        raise ValidationError(TOO_LATE, code="too_late", params={"horizon": date_format(horizon)})


def staffing_calendar(
    *, site: Site, date_from: datetime.date, date_to: datetime.date
) -> list[StaffingCalendarDay]:
    """The site's public holidays and exceptions from `date_from` to `date_to`, by date."""
    exceptions = {
        exception.date: exception
        for exception in StaffingException.objects.filter(
            site=site, date__gte=date_from, date__lte=date_to
        )
    }
    names = public_holidays(date_from=date_from, date_to=date_to)
    return [
        StaffingCalendarDay(date=day, holiday=names.get(day, ""), exception=exceptions.get(day))
        for day in sorted(exceptions.keys() | names.keys())
    ]


def _staffing_values(instance: StaffingPattern | StaffingException, fields: Sequence[str]) -> dict:
    """Raw values as the audit history keeps them (dates and times in ISO form)."""
    values = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, datetime.date | datetime.time):
            value = value.isoformat()
        values[name.removesuffix("_id")] = value
    return values


def _staffing_lock(site: Site) -> None:
    # One change to a site's staffing at a time: a second manager's save waits for the first
    # to commit, so neither deletes the StaffedHours rows the other is writing (which would
    # otherwise end in a duplicate row, or in hours from a week nobody saved).
    Site.objects.select_for_update().only("pk").get(pk=site.pk)


def _staffed_hours_of(
    opens: datetime.time, closes: datetime.time, staff_on_duty: int
) -> tuple[Decimal, Decimal]:
    """Open hours and staff hours, each rounded once from the exact length of the day."""
    seconds = (
        datetime.datetime.combine(datetime.date.min, closes)
        - datetime.datetime.combine(datetime.date.min, opens)
    ).total_seconds()
    hours = Decimal(int(seconds)) / SECONDS_PER_HOUR
    return (
        hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP),
        (hours * staff_on_duty).quantize(HUNDREDTH, rounding=ROUND_HALF_UP),
    )


def _staffed_hours_rows(
    site: Site, date_from: datetime.date, date_to: datetime.date
) -> list[tuple[int, datetime.date, Decimal, Decimal]]:
    """The rows the days should have: an exception decides its day; otherwise a public
    holiday is closed; otherwise the weekday's pattern decides, and a weekday without one is
    closed. Two queries, whatever the number of days."""
    week = {row.weekday: row for row in StaffingPattern.objects.filter(site=site)}
    exceptions = {
        row.date: row
        for row in StaffingException.objects.filter(
            site=site, date__gte=date_from, date__lte=date_to
        )
    }
    closed_holidays = public_holidays(date_from=date_from, date_to=date_to).keys()
    rows = []
    day = date_from
    while day <= date_to:
        hours: StaffingPattern | StaffingException | None = exceptions.get(day)
        if hours is None and day not in closed_holidays:
            hours = week.get(day.weekday())
        if hours is not None and not getattr(hours, "closed", False):
            rows.append(
                (site.pk, day, *_staffed_hours_of(hours.opens, hours.closes, hours.staff_on_duty))
            )
        day += ONE_DAY
    return rows


def _staffed_hours_insert(rows: Sequence[tuple[int, datetime.date, Decimal, Decimal]]) -> None:
    """All the rows in one statement, whatever their number: COPY on PostgreSQL; elsewhere
    one INSERT that the driver runs for every row. (bulk_create would split the rows into
    batches under SQLite's limit of 999 parameters, so a longer period would cost more
    statements.)"""
    if not rows:
        return
    if copy_supported():
        copy_rows(StaffedHours, _STAFFED_HOURS_FIELDS, rows)
        return
    fields = [StaffedHours._meta.get_field(name) for name in _STAFFED_HOURS_FIELDS]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(StaffedHours._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, row, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _staffed_hours_write(site: Site, date_from: datetime.date, date_to: datetime.date) -> int:
    """Replace the site's StaffedHours rows of these days (the caller holds the site's lock)."""
    rows = _staffed_hours_rows(site, date_from, date_to)
    StaffedHours.objects.filter(site=site, date__gte=date_from, date__lte=date_to).delete()
    _staffed_hours_insert(rows)
    # Visits per staffed hour changes with them: open dashboards redraw.
    site_changed_on_commit(site.code, {"type": "staffing.changed", "site": site.code})
    return len(rows)


@transaction.atomic
def staffed_hours_refresh(*, site: Site, date_from: datetime.date, date_to: datetime.date) -> int:
    """(Re)write the site's StaffedHours from `date_from` to `date_to` (both included) from its
    regular week, Sweden's public holidays and its exceptions; the rows of days that are now
    closed are deleted. A fixed number of queries however many days. Returns the number of
    rows written."""
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    _staffing_lock(site)
    return _staffed_hours_write(site, date_from, date_to)


@transaction.atomic
def staffing_pattern_save(
    *,
    site: Site,
    days: Sequence[StaffingDay],
    saved_by,
    effective_from: datetime.date | None = None,
) -> list[StaffingPattern]:
    """Make `days` the site's regular week (a weekday not among them is closed) and rewrite
    its StaffedHours from `effective_from` (default today) to the end of next year; the days
    before keep the hours recorded for them. Raises ValidationError and saves nothing when a
    day's hours are invalid or `effective_from` is out of range."""
    effective_from = effective_from or timezone.localdate()
    weekdays = [day.weekday for day in days]
    if len(set(weekdays)) != len(weekdays):
        raise ValueError(f"A weekday is given more than once: {sorted(weekdays)}")
    try:
        staffing_date_check(effective_from)
    except ValidationError as error:
        raise ValidationError({"effective_from": error.error_list}) from None
    _staffing_lock(site)
    current = {row.weekday: row for row in StaffingPattern.objects.filter(site=site)}
    before = {
        weekday: _staffing_values(row, _PATTERN_AUDIT_FIELDS) for weekday, row in current.items()
    }
    wanted = []
    for day in sorted(days, key=lambda day: day.weekday):
        row = current.pop(day.weekday, None) or StaffingPattern(site=site, weekday=day.weekday)
        row.opens, row.closes, row.staff_on_duty = day.opens, day.closes, day.staff_on_duty
        row.full_clean()
        wanted.append(row)

    # The audit history keeps each weekday's change with the day it applies from.
    applies = {"effective_from": [None, effective_from.isoformat()]}
    for row in wanted:
        after = _staffing_values(row, _PATTERN_AUDIT_FIELDS)
        if row._state.adding:
            row.save(force_insert=True)
            changes = {key: [None, value] for key, value in after.items()}
            action = AuditEntry.Action.CREATE
        else:
            changes = _diff(before[row.weekday], after)
            if not changes:
                continue
            row.save(force_update=True)
            action = AuditEntry.Action.UPDATE
        audit_record(instance=row, action=action, actor=saved_by, changes=changes | applies)
    for closed in current.values():  # the weekdays no longer open
        audit_record(
            instance=closed,
            action=AuditEntry.Action.DELETE,
            actor=saved_by,
            changes={key: [value, None] for key, value in before[closed.weekday].items()} | applies,
        )
        closed.delete()
    _staffed_hours_write(site, effective_from, staffing_horizon())
    return wanted


@transaction.atomic
def staffing_exception_save(
    *,
    site: Site,
    date: datetime.date,
    closed: bool,
    opens: datetime.time | None = None,
    closes: datetime.time | None = None,
    staff_on_duty: int | None = None,
    note: str = "",
    saved_by,
) -> StaffingException:
    """Record that the site is closed on `date`, or open with these hours (which also opens a
    public holiday), replacing any exception already recorded for it, and rewrite that day's
    StaffedHours. Raises ValidationError and saves nothing when the date is out of range, the
    hours are invalid or the note holds personal data."""
    try:
        staffing_date_check(date)
    except ValidationError as error:
        raise ValidationError({"date": error.error_list}) from None
    _staffing_lock(site)
    exception = StaffingException.objects.filter(site=site, date=date).first()
    before = _staffing_values(exception, _EXCEPTION_AUDIT_FIELDS) if exception else None
    exception = exception or StaffingException(site=site, date=date)
    exception.closed = closed
    # A closed day keeps no hours, whatever the form still held.
    exception.opens = None if closed else opens
    exception.closes = None if closed else closes
    exception.staff_on_duty = None if closed else staff_on_duty
    exception.note = note
    exception.full_clean()
    exception.save()
    after = _staffing_values(exception, _EXCEPTION_AUDIT_FIELDS)
    if before is None:
        audit_record(
            instance=exception,
            action=AuditEntry.Action.CREATE,
            actor=saved_by,
            changes={key: [None, value] for key, value in after.items()},
        )
    elif changes := _diff(before, after):
        audit_record(
            instance=exception, action=AuditEntry.Action.UPDATE, actor=saved_by, changes=changes
        )
    _staffed_hours_write(site, date, date)
    return exception


@transaction.atomic
def staffing_exception_delete(*, exception: StaffingException, deleted_by) -> None:
    """Remove an exception: its day follows the regular week and the public holidays again.
    Raises ValidationError for a day more than a year back, which stays as recorded."""
    staffing_date_check(exception.date)
    site, day = exception.site, exception.date
    _staffing_lock(site)
    before = _staffing_values(exception, _EXCEPTION_AUDIT_FIELDS)
    audit_record(
        instance=exception,
        action=AuditEntry.Action.DELETE,
        actor=deleted_by,
        changes={key: [value, None] for key, value in before.items()},
    )
    exception.delete()
    _staffed_hours_write(site, day, day)
