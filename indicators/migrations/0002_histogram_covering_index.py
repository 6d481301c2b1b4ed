from django.db import migrations

# Medians read every histogram row of the scope's sites and months; with the count in the
# index they are read from the index alone (bench/RESULTS.md). PostgreSQL only: SQLite has no
# INCLUDE, and Django's Index(include=...) would warn on every check there.
CREATE = (
    "CREATE INDEX rollup_histogram_read ON indicators_rolluphistogram "
    "(grain, dimension, measure, site_id, day, key, value) INCLUDE (count, region_id)"
)
DROP = "DROP INDEX IF EXISTS rollup_histogram_read"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_rollups")]

    operations = [migrations.RunPython(create_index, drop_index)]
