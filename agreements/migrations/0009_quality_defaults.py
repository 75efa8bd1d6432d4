"""Default dimensions and five levels of cooperation quality (seed 004), editable by Administration."""

from django.db import migrations

DIMENSIONS = [
    (
        "Wissenstiefe zu den Angeboten der Partner",
        [
            ("Unbekannt", "Die Angebote der Partner sind kaum bekannt."),
            ("Vom Hörensagen", "Einzelne Angebote der Partner sind dem Namen nach bekannt."),
            ("Überblick", "Die wichtigsten Angebote, Zugangswege und Ansprechpersonen der Partner sind bekannt."),
            ("Fundiert", "Angebote, Arbeitsweisen und Grenzen der Partner sind bekannt; Familien werden gezielt vermittelt."),
            ("Vertraut", "Die Partner kennen Angebote und Haltungen gegenseitig genau und halten ihr Wissen aktuell."),
        ],
    ),
    (
        "Angebote der Partner",
        [
            ("Nebeneinander", "Die Angebote stehen unverbunden nebeneinander."),
            ("Informiert", "Die Partner informieren einander über ihre Angebote."),
            ("Vermittelnd", "Familien werden gezielt an die Angebote der Partner vermittelt."),
            ("Abgestimmt", "Die Angebote werden aufeinander abgestimmt; Doppelstrukturen werden vermieden."),
            ("Gemeinsam entwickelt", "Angebote werden gemeinsam geplant und bedarfsgerecht weiterentwickelt."),
        ],
    ),
    (
        "Verbindlichkeit der Zusammenarbeit",
        [
            ("Unverbindlich", "Die Zusammenarbeit hängt vom Zufall und von einzelnen Personen ab."),
            ("Mündlich abgesprochen", "Es gibt mündliche Absprachen im Einzelfall."),
            ("Vereinbarte Abläufe", "Es gibt feste Ansprechpersonen und vereinbarte Abläufe."),
            ("Schriftlich vereinbart", "Die Zusammenarbeit ist schriftlich vereinbart und auf Leitungsebene getragen."),
            ("Gelebt und überprüft", "Die Vereinbarungen werden eingehalten, überprüft und weiterentwickelt."),
        ],
    ),
    (
        "Regelmäßigkeit des Austausches",
        [
            ("Kein Austausch", "Die Partner tauschen sich nicht aus."),
            ("Anlassbezogen", "Austausch findet nur bei Problemen statt."),
            ("Gelegentlich", "Die Partner tauschen sich mehrmals im Jahr aus."),
            ("Regelmäßig", "Es gibt feste Termine für den Austausch."),
            ("Kontinuierlich", "Der Austausch ist regelmäßig, auch ohne negativen Anlass, und wird dokumentiert."),
        ],
    ),
]


def load(apps, schema_editor):
    Dimension = apps.get_model("agreements", "QualityDimension")
    Level = apps.get_model("agreements", "QualityLevel")
    if Dimension.objects.exists():
        return
    for position, (name, levels) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(name=name, position=position)
        for number, (level_name, description) in enumerate(levels, start=1):
            Level.objects.create(dimension=dimension, level=number, name=level_name, description=description)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0008_quality")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
