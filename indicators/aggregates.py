"""Aggregates the standard library of Django lacks, portable to both supported databases."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet


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


def medians_of_buckets(
    buckets: QuerySet, keys: Sequence[str]
) -> Iterator[tuple[tuple[Any, ...], float | None]]:
    """(key values, median) per key of `buckets`, a queryset of `value` and its count `n`
    per key, computed in the database, which then sends one row per key instead of one
    per value (a year of durations by month was 16,000 rows to Python).

    A window sums the counts in the order of the values; the lower middle value is the
    first whose running count reaches half the total, the upper one the first past it.
    The interpolation is done here, as `Median` does it, to the last bit."""
    try:
        sql, params = buckets.order_by().query.sql_with_params()
    except EmptyResultSet:  # no sites at all
        return
    quote = connection.ops.quote_name
    columns = "".join(f"{quote(key)}, " for key in keys)
    partition = f"PARTITION BY {', '.join(quote(key) for key in keys)}" if keys else ""
    group = f"GROUP BY {', '.join(quote(key) for key in keys)}" if keys else ""
    query = (
        f"SELECT {columns}"
        " MIN(value) FILTER (WHERE n > 0 AND 2 * running >= total),"
        " MIN(value) FILTER (WHERE n > 0 AND 2 * running > total), MAX(total)"
        f" FROM (SELECT {columns}value, n,"
        f" SUM(n) OVER ({partition} ORDER BY value) AS running,"
        f" SUM(n) OVER ({partition}) AS total"
        f" FROM ({sql}) buckets) ranked {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for *key, low, high, total in cursor.fetchall():
            if not total or low is None:
                yield tuple(key), None
            elif total % 2:
                yield tuple(key), float(low)
            else:
                yield tuple(key), float(low) + (float(high) - float(low)) * 0.5
