"""Tie the default Leitfragen to the sections of the agreement their answers inform."""

from django.db import migrations

SECTIONS = {
    "Welche Haltung gegenüber drogenabhängigen Frauen mit Kindern": "zielgruppen",
    "Wie sehen die gegenseitigen Erwartungen": "aufgaben",
    "Welche Datenschutz- und Schweigepflichtbestimmungen": "datenschutz",
    "Worüber muss gegenseitig informiert werden": "datenschutz",
    "Worüber muss die Zielgruppe informiert werden": "datenschutz",
    "Was ist zur Basisversorgung eines Kindes erforderlich": "basiskriterien",
    "Welche Kommunikationswege bestehen": "kommunikation",
    "Was muss/möchte ich von der jeweils anderen Institution": "ablaufplaene",
    "Was ist der jeweilige Gewinn einer Kooperationsvereinbarung": "ziele",
}


def assign(apps, schema_editor):
    Entry = apps.get_model("agreements", "CatalogueEntry")
    for prefix, section in SECTIONS.items():
        Entry.objects.filter(kind__in=["leitfrage", "weitere_frage"], text__startswith=prefix).update(section=section)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0005_structure")]

    operations = [migrations.RunPython(assign, migrations.RunPython.noop)]
