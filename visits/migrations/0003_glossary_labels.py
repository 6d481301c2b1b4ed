"""Taxonomy labels in the glossary's words (docs/glossary.md, issue 11 §2 and §5).

Only labels and sort orders change; codes never do, so stored visits, the API and the
statistics are unaffected. The help modes are listed in the ladder's order with the
servicevärd as the subject, the barriers name the barrier, "enhet" (a site or a device?)
becomes "dator eller mobil", and Sweden's national minority languages are offered in full,
together right after Swedish.

The labels are written out here, frozen like every migration: later changes are made in the
admin or by a new migration. Reversing restores the labels and order of
visits/data/taxonomy_2026.py and removes the added languages no visit uses (those in use are
deactivated instead).
"""

from django.db import migrations

from visits.data import taxonomy_2026 as before

# model name -> [(code, label_sv, label_en)]; only the entries whose labels change.
LABELS = {
    "HelpMode": [
        # In the ladder's order; their sort_order is set to this order.
        ("info", "Gav information", "Gave information"),
        ("on_behalf", "Gjorde åt besökaren", "Did it for the visitor"),
        ("guided", "Vägledde", "Guided"),
        ("taught", "Lärde besökaren göra själv", "Taught the visitor to do it"),
        ("referred", "Hänvisade vidare", "Referred on"),
    ],
    "Outcome": [
        ("resolved", "Löst", "Resolved"),
        ("partly", "Delvis löst", "Partly resolved"),
        ("unresolved", "Inte löst", "Not resolved"),
        ("referred", "Hänvisat vidare", "Referred on"),
    ],
    "Barrier": [
        ("no_eid", "Saknar e-legitimation", "No e-ID"),
        ("no_device", "Saknar dator eller mobil", "No computer or mobile"),
        ("no_connection", "Saknar uppkoppling", "No connection"),
        ("skills", "Ovan vid digitala tjänster", "Unused to digital services"),
        ("language", "Språksvårigheter", "Language difficulties"),
        ("disability", "Funktionsnedsättning", "Disability"),
        ("trust", "Oro för bedrägerier", "Fear of fraud"),
        ("service_fault", "Fel i e-tjänsten", "Fault in the e-service"),
    ],
    "Provider": [
        ("device", "Dator, mobil och säkerhet", "Computers, mobiles and security"),
    ],
    "EService": [
        ("device.basics", "Grundläggande om dator och mobil", "Computer and mobile basics"),
    ],
}

# The help modes' sort order: the ladder's order above.
ORDERED = {"HelpMode"}

# Every language of service, in its new order: Swedish, then the national minority languages
# together (Finnish, Meänkieli, the Sami languages, Romani chib, Yiddish), then the others as
# they were.
LANGUAGES = [
    ("sv", "Svenska", "Swedish"),
    ("fi", "Finska", "Finnish"),
    ("fit", "Meänkieli", "Meänkieli"),
    ("se", "Nordsamiska", "Northern Sami"),
    ("sma", "Sydsamiska", "Southern Sami"),
    ("smj", "Lulesamiska", "Lule Sami"),
    ("sju", "Umesamiska", "Ume Sami"),
    ("rom", "Romani chib", "Romani"),
    ("yi", "Jiddisch", "Yiddish"),
    ("en", "Engelska", "English"),
    ("ar", "Arabiska", "Arabic"),
    ("so", "Somaliska", "Somali"),
    ("ti", "Tigrinja", "Tigrinya"),
    ("fa", "Persiska", "Persian"),
    ("uk", "Ukrainska", "Ukrainian"),
]

ADDED_LANGUAGES = {code for code, _, _ in LANGUAGES} - {code for code, _, _ in before.LANGUAGES}

# The same labels as first seeded, for the reverse.
BEFORE = {
    "HelpMode": before.HELP_MODES,
    "Outcome": before.OUTCOMES,
    "Barrier": before.BARRIERS,
    "Provider": before.PROVIDERS,
    "EService": [(code, label_sv, label_en) for code, _, label_sv, label_en, _ in before.SERVICES],
}


def relabel(apps, schema_editor):
    for model_name, rows in LABELS.items():
        model = apps.get_model("visits", model_name)
        for order, (code, label_sv, label_en) in enumerate(rows):
            fields = {"label_sv": label_sv, "label_en": label_en}
            if model_name in ORDERED:
                fields["sort_order"] = order
            model.objects.filter(code=code).update(**fields)
    Language = apps.get_model("visits", "Language")
    for order, (code, label_sv, label_en) in enumerate(LANGUAGES):
        Language.objects.update_or_create(
            code=code, defaults={"label_sv": label_sv, "label_en": label_en, "sort_order": order}
        )


def restore(apps, schema_editor):
    for model_name, rows in BEFORE.items():
        model = apps.get_model("visits", model_name)
        changed = {code for code, _, _ in LABELS[model_name]}
        for order, (code, label_sv, label_en) in enumerate(rows):
            if code in changed:
                fields = {"label_sv": label_sv, "label_en": label_en}
                if model_name in ORDERED:
                    fields["sort_order"] = order
                model.objects.filter(code=code).update(**fields)
    Language = apps.get_model("visits", "Language")
    for order, (code, _, _) in enumerate(before.LANGUAGES):
        Language.objects.filter(code=code).update(sort_order=order)
    added = Language.objects.filter(code__in=ADDED_LANGUAGES)
    added.filter(visits__isnull=False).update(is_active=False)
    added.filter(visits__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_seed_taxonomies")]

    operations = [migrations.RunPython(relabel, restore)]
