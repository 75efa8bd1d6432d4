"""Load the default catalogues verbatim from the seed documents 000, 001 and 002."""

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


def load(apps, schema_editor):
    Entry = apps.get_model("agreements", "CatalogueEntry")
    rows = []
    for kind, texts in (
        ("basiskriterium", BASISKRITERIEN),
        ("leitfrage", LEITFRAGEN),
        ("weitere_frage", WEITERE_FRAGEN),
        ("interne_klaerung", INTERNE_KLAERUNG),
    ):
        rows += [Entry(kind=kind, text=text, position=i) for i, text in enumerate(texts, start=1)]
    rows += [Entry(kind="bedingung", label=label, text=text, position=i) for i, (label, text) in enumerate(BEDINGUNGEN, 1)]
    if not Entry.objects.exists():
        Entry.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_agreements")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
