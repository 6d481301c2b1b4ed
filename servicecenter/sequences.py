"""Gap-free numbers under concurrency: a counter row per key (a site and year for case
numbers, a site, day and letter for queue tickets), incremented by one statement."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def sequence_next(model: type[models.Model], **key: Any) -> int:
    """The next number for `key` in `model`'s counter rows (a `last` column and a unique
    constraint over exactly the key's columns). The upsert takes the row's lock, held until
    the calling transaction ends: concurrent callers wait for each other, and a caller that
    rolls back gives its number back, so numbers come without gaps or duplicates. Works the
    same on PostgreSQL and SQLite (3.35+, which serialises writers anyway)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in key]
    names = ", ".join(quote(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    last = quote(model._meta.get_field("last").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, {last}) VALUES ({marks}, 1) "
            f"ON CONFLICT ({names}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [getattr(value, "pk", value) for value in key.values()],
        )
        return cursor.fetchone()[0]
