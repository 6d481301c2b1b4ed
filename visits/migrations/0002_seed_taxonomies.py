from django.db import migrations

from visits.data import taxonomy_2026 as data


def seed(apps, schema_editor):
    def load(model_name, rows):
        model = apps.get_model("visits", model_name)
        for order, (code, label_sv, label_en) in enumerate(rows):
            model.objects.update_or_create(
                code=code,
                defaults={"label_sv": label_sv, "label_en": label_en, "sort_order": order},
            )

    load("Provider", data.PROVIDERS)
    load("HelpMode", data.HELP_MODES)
    load("Outcome", data.OUTCOMES)
    load("Barrier", data.BARRIERS)
    load("Channel", data.CHANNELS)
    load("AgeBand", data.AGE_BANDS)
    load("Language", data.LANGUAGES)
    EService = apps.get_model("visits", "EService")
    for order, (code, provider, label_sv, label_en, keywords) in enumerate(data.SERVICES):
        EService.objects.update_or_create(
            code=code,
            defaults={
                "provider_id": provider,
                "label_sv": label_sv,
                "label_en": label_en,
                "keywords": keywords,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
