from django.db import migrations


def rebuild_for_weekday_hour(apps, schema_editor):
    """The rollups gained a dimension (weekday and hour, indicators.dimensions): rebuilt for
    every site with visits, so that the new rows exist for the visits already there.

    This calls the application's rebuild rather than a frozen copy, like 0003: the rollup
    tables it writes are the current ones."""
    visit_model = apps.get_model("visits", "Visit")
    site_ids = sorted(
        set(visit_model.objects.order_by().values_list("site_id", flat=True).distinct())
    )
    if site_ids:
        from indicators.rollups import rollup_rebuild

        rollup_rebuild(site_ids=site_ids)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_rollups_kept_at_write_time"),
        ("visits", "0003_glossary_labels"),
    ]

    operations = [
        migrations.RunPython(rebuild_for_weekday_hour, migrations.RunPython.noop),
    ]
