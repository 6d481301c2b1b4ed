"""Aggregates the standard library of Django lacks, portable to both supported databases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Aggregate, FloatField


class Median(Aggregate):
    """The exact median (50th percentile, interpolated between the two middle values).

    PostgreSQL has it as an ordered-set aggregate; SQLite gets `MEDIAN` from this module,
    registered on every connection by `IndicatorsConfig.ready()`. Both ignore NULLs, so a
    `filter=` (emulated on old SQLite with CASE WHEN … END) works too.
    """

    function = "MEDIAN"
    name = "Median"
    arity = 1
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context: Any):
        # Set on a copy, not passed as template=…: Aggregate.as_sql adds its own template
        # argument when it appends FILTER (WHERE …), and the two would collide.
        clone = self.copy()
        clone.function = "PERCENTILE_CONT"
        clone.template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class _SqliteMedian:
    """The `MEDIAN` aggregate for SQLite (sqlite3.Connection.create_aggregate protocol)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: Any) -> None:
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        middle = (len(ordered) - 1) // 2
        if len(ordered) % 2:
            return ordered[middle]
        low, high = ordered[middle], ordered[middle + 1]
        # PostgreSQL's percentile_cont interpolates as low + (high - low) * fraction; the same
        # arithmetic keeps both databases equal to the last bit, not just mathematically.
        return low + (high - low) * 0.5


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: give every new SQLite connection a MEDIAN aggregate."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


def median_of_counts(counts: Iterable[tuple[float, int]]) -> float | None:
    """The median of values given as (value, how many times), sorted by value: what `Median`
    gives over the underlying rows, with the same interpolation."""
    pairs = [(value, count) for value, count in counts if count]
    total = sum(count for _value, count in pairs)
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value, count in pairs:
        seen += count
        if low is None and seen > low_rank:
            low = float(value)
        if seen > high_rank:
            high = float(value)
            break
    assert low is not None and high is not None
    if low_rank == high_rank:
        return low
    return low + (high - low) * 0.5
