"""Load the default catalogues verbatim from the seed documents (000, 001, 002, 004).

Basiskriterien, Leitfragen with the section of the agreement their answers inform, the
further questions, the five questions of the internal clarification, the ten conditions
of successful cooperation, and the five levels of cooperation quality per dimension.
Administration edits them later; an agreement copies them, so edits never rewrite history.
"""

from django.db import migrations

BASISKRITERIEN = [  # seed 002, "Basiskriterien"
    "eine Wohnung mit Wasser, Strom und Heizung, ohne extreme Verschmutzung",
    "die Absicherung des Lebensunterhaltes",
    "die Gewährleistung von ärztlicher Versorgung",
    "die Sicherung der Aufsichtspflicht durch eine kontinuierliche Bezugsperson für das Kind",
    "ein strukturierter Alltag mit regelmäßiger täglicher Versorgung des Kindes",
    "ausreichende pädagogische Förderung und emotionale Zuwendung",
]

LEITFRAGEN = [  # seed 002, "Leitfragen"
    "Welche Haltung gegenüber drogenabhängigen Frauen mit Kindern besteht bei den Mitarbeiterinnen und Mitarbeitern?",
    "Wie sehen die gegenseitigen Erwartungen innerhalb des Hilfesystems aus?",
    "Welche Datenschutz- und Schweigepflichtbestimmungen sind zu berücksichtigen?",
    "Worüber muss gegenseitig informiert werden, worüber nicht?",
    "Worüber muss die Zielgruppe informiert werden?",
    "Was ist zur Basisversorgung eines Kindes erforderlich?",
    "Welche weiteren inhaltlichen Aspekte muss eine Kooperationsvereinbarung behandeln?",
]

WEITERE_FRAGEN = [  # seed 002, "weitere Fragestellungen, die sich aus den einrichtungsinternen Diskussionen ergeben"
    "Welche Kommunikationswege bestehen innerhalb/zwischen den jeweils beteiligten Institutionen?",
    "Was muss/möchte ich von der jeweils anderen Institution/Einrichtung wissen (Verfahrensabläufe, Arbeitsfelder etc.)?",
    "Was ist der jeweilige Gewinn einer Kooperationsvereinbarung?",
    "Was passiert, wenn nicht alle mitmachen? Wie kann Überzeugungsarbeit aussehen und geleistet werden?",
]

INTERNE_KLAERUNG = [  # seed 001, "Interne Klärung anhand von fünf Fragen"
    "Warum wollen wir kooperieren?",
    "Was können wir einbringen?",
    "Wie können wir dies den Partnern gegenüber kommunizieren?",
    "Was wünschen wir uns von den Partnern?",
    "Was haben wir schon, was brauchen wir noch?",
]

BEDINGUNGEN = [  # seed 000, "Bedingungen gelingender Kooperation"
    ("a", "Einverständnis und Akzeptanz der Klientel"),
    ("b", "Formulierung eines gemeinsamen Zieles für die Kooperation unter Einbezug der Klientel"),
    ("c", "Aufstellung gemeinsamer Indikatoren zur Zielerreichung unter Einbezug der Klientel"),
    ("d", "Festlegung der Arbeitsteilung und Auftragsklärung"),
    ("e", "Vereinbarung gemeinsamer Kommunikations-, Rückmeldungs- und Berichtsstrukturen"),
    ("f", "Gegenseitiges Wohlwollen der Kooperationspartner und Verzicht auf Konkurrenzsituation"),
    ("g", "Gemeinsame Reflexion der Kooperation"),
    ("h", "Gegenseitige Wertschätzung der Erfolge"),
    ("i", "Abbau von einseitigen Machtverhältnissen"),
    ("j", "Klare Vergabe und Reflexion von Rollen und Aufträgen in der kooperativen Arbeit"),
]


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



def _section(text):
    return next((section for prefix, section in SECTIONS.items() if text.startswith(prefix)), "")


def load_catalogues(apps, schema_editor):
    Entry = apps.get_model("agreements", "CatalogueEntry")
    rows = []
    for kind, texts in (
        ("basiskriterium", BASISKRITERIEN),
        ("leitfrage", LEITFRAGEN),
        ("weitere_frage", WEITERE_FRAGEN),
        ("interne_klaerung", INTERNE_KLAERUNG),
    ):
        rows += [
            Entry(kind=kind, text=text, position=i, section=_section(text)) for i, text in enumerate(texts, start=1)
        ]
    rows += [Entry(kind="bedingung", label=label, text=text, position=i) for i, (label, text) in enumerate(BEDINGUNGEN, 1)]
    if not Entry.objects.exists():
        Entry.objects.bulk_create(rows)


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


def load_quality_levels(apps, schema_editor):
    Dimension = apps.get_model("agreements", "QualityDimension")
    Level = apps.get_model("agreements", "QualityLevel")
    if Dimension.objects.exists():
        return
    for position, (name, levels) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(name=name, position=position)
        for number, (level_name, description) in enumerate(levels, start=1):
            Level.objects.create(dimension=dimension, level=number, name=level_name, description=description)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [
        migrations.RunPython(load_catalogues, migrations.RunPython.noop),
        migrations.RunPython(load_quality_levels, migrations.RunPython.noop),
    ]
