"""Many rows into one table with PostgreSQL's COPY, for bulk ingest (bench/RESULTS.md §1).

`bulk_create` builds a model instance per row and compiles an INSERT with a parameter per
value; for the few thousand rows of one bulk call that costs more than the database's own
work. COPY takes plain tuples and skips both. Only PostgreSQL has it: callers keep
`bulk_create` for SQLite."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from functools import cache

from django.db import connection, models


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


@cache
def _copy_sql(model: type[models.Model], fields: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"


def copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Write `rows` (values in the order of `fields`, attribute names such as `site_id`)
    into the model's table, inside the caller's transaction. No model code runs: defaults,
    `auto_now` and `pre_save` are the caller's job. A violated constraint raises django's
    IntegrityError, as an INSERT would, so callers can catch a duplicate key the usual way."""
    if not rows:
        return
    sql = _copy_sql(model, tuple(fields))
    with connection.wrap_database_errors, connection.cursor() as cursor:
        # Through the connection's execute wrappers, as every other statement, so that
        # instrumentation (bench/api_ingest.py --profile) sees the COPY too.
        execute = _copy
        for wrapper in reversed(connection.execute_wrappers):
            execute = functools.partial(wrapper, execute)
        execute(sql, rows, True, {"connection": connection, "cursor": cursor})


def _copy(sql: str, rows: Sequence[Sequence[object]], many: bool, context: dict) -> None:
    with context["cursor"].cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
