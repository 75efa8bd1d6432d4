"""Seed the admin-managed list of Arbeitsfelder (seeds 002, 003)."""

from django.db import migrations

DEFAULT_FIELDS = [
    "Drogenhilfe",
    "Jugendhilfe",
    "Medizinische Versorgung",
    "Frühe Hilfen",
    "Schule",
    "Berufsberatung",
]


def create_fields(apps, schema_editor):
    Arbeitsfeld = apps.get_model("network", "Arbeitsfeld")
    for position, name in enumerate(DEFAULT_FIELDS, start=1):
        Arbeitsfeld.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(create_fields, migrations.RunPython.noop)]
