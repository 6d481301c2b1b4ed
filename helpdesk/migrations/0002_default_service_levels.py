from django.db import migrations

# Working days from opening to the due date, per priority; editable in the admin.
DEFAULT_SERVICE_LEVELS = {"urgent": 1, "high": 3, "normal": 5, "low": 10}


def add_service_levels(apps, schema_editor):
    ServiceLevel = apps.get_model("helpdesk", "ServiceLevel")
    for priority, days in DEFAULT_SERVICE_LEVELS.items():
        ServiceLevel.objects.get_or_create(priority=priority, defaults={"working_days": days})


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_cases")]

    operations = [migrations.RunPython(add_service_levels, migrations.RunPython.noop)]
