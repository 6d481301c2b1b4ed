"""Regions and municipalities of northern Sweden with SCB codes and populations.

Reads the dated CSV shipped in organisations/data; a newer population figure comes as a new
dated file and a new migration, so this one stays reproducible."""

import csv
import datetime
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "municipalities-2024.csv"


def load(apps, schema_editor):
    Region = apps.get_model("organisations", "Region")
    Municipality = apps.get_model("organisations", "Municipality")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region, _ = Region.objects.update_or_create(
                code=row["county_code"], defaults={"name": row["county_name"]}
            )
            Municipality.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "region": region,
                    "population": int(row["population"]),
                    "population_date": datetime.date.fromisoformat(row["population_date"]),
                },
            )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
