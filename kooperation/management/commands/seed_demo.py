"""Load German demo data: institutions in several fields and one demo user per role."""

from __future__ import annotations

from functools import partial

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from agreements.demo import seed_agreements
from conferences.demo import seed_conferences
from kooperation.network import twofactor
from kooperation.network.models import Arbeitsfeld, Contact, Institution, Leader, Membership, Offer, Role, User

DEMO_PASSWORD = "kooperation-demo"
DOMAIN = "kooperation.example"
# Demo data only: the documented TOTP secret of every demo account that must use a second factor
# (Administration, Leitung). `manage.py demo_totp <email>` prints its current code.
DEMO_TOTP_SECRET = "KOOPERATIONDEMO2FAKOOPERATION234"

# (name, short name, field, street, postal code, phone, description, contacts, offers, leaders)
INSTITUTIONS = [
    (
        "Koordinierungsstelle Netzwerk Kinderschutz Lindenbrück",
        "KoKi",
        "Frühe Hilfen",
        "Rathausplatz 1",
        "Koordiniert das Netzwerk Frühe Hilfen und Kinderschutz und begleitet die Kooperationsvereinbarungen.",
        [("Sabine Albrecht", "Netzwerkkoordinatorin", "Koordination der Kooperationsvereinbarungen")],
        [("Netzwerkkoordination", "Fachkräfte aller Arbeitsfelder", "Moderation von Gremien, Fortbildungen")],
        [("Karin Vogt", "Fachbereichsleitung", True)],
    ),
    (
        "Jugendamt der Stadt Lindenbrück",
        "Jugendamt",
        "Jugendhilfe",
        "Am Markt 5",
        "Allgemeiner Sozialer Dienst, Hilfen zur Erziehung, Schutzauftrag nach § 8a SGB VIII.",
        [
            ("Jonas Keller", "Sachgebietsleitung ASD", "Hilfen zur Erziehung, Hilfeplanung"),
            ("Aylin Demir", "Fachkraft ASD", "Kinderschutz, Gefährdungseinschätzung"),
        ],
        [
            (
                "Hilfen zur Erziehung",
                "Familien mit Kindern bis 18 Jahre",
                "Beratung, Hilfeplanung, ambulante und stationäre Hilfen",
            ),
            ("Familienberatung", "Eltern in Krisen", "Beratung bei Erziehungsfragen und Trennung"),
        ],
        [("Dr. Petra Lange", "Amtsleitung", True)],
    ),
    (
        "Drogenberatung Lindenbrück e. V.",
        "DroBe",
        "Drogenhilfe",
        "Bahnhofstraße 12",
        "Suchtberatung, Substitutionsbegleitung und Angebote für drogenabhängige Mütter und Väter.",
        [("Miriam Yilmaz", "Sozialarbeiterin", "Eltern mit Suchtproblematik, psychosoziale Begleitung Substituierter")],
        [
            (
                "Psychosoziale Begleitung Substituierter",
                "Substituierte Erwachsene",
                "Begleitung während der Substitution",
            ),
            (
                "Elterngruppe „Starke Eltern“",
                "drogenabhängige Mütter und Väter",
                "wöchentliche Gruppe mit Kinderbetreuung",
            ),
        ],
        [("Thomas Brandt", "Geschäftsführung", True)],
    ),
    (
        "Klinikum Lindenbrück – Frauenklinik und Neonatologie",
        "Klinikum",
        "Medizinische Versorgung",
        "Klinikstraße 40",
        "Geburtshilfe, Neonatologie und Sozialdienst für Schwangere mit Suchterkrankung.",
        [
            ("Dr. Jan Hoffmann", "Oberarzt Neonatologie", "Neugeborenen-Entzugssyndrom"),
            ("Lea Schubert", "Sozialdienst", "Entlassmanagement"),
        ],
        [
            (
                "Geburtsvorbereitung für substituierte Schwangere",
                "Schwangere in Substitution",
                "Sprechstunde und Kreißsaalführung",
            )
        ],
        [
            ("Prof. Dr. Martin Weiß", "Ärztliche Direktion", True),
            ("Anja Roth", "Kaufmännische Geschäftsführung", False),
        ],
    ),
    (
        "Familienhebammen-Netz Lindenbrück",
        "FamHeb",
        "Frühe Hilfen",
        "Gartenweg 3",
        "Aufsuchende Begleitung von Familien im ersten Lebensjahr.",
        [("Ute Berger", "Familienhebamme", "Aufsuchende Hilfe im ersten Lebensjahr")],
        [
            (
                "Familienhebammen",
                "Familien mit Säuglingen in belasteten Lebenslagen",
                "Hausbesuche bis zum ersten Geburtstag",
            )
        ],
        [("Heike Krause", "Einrichtungsleitung", True)],
    ),
    (
        "Kinder- und Jugendhilfe St. Martin gGmbH",
        "St. Martin",
        "Jugendhilfe",
        "Kirchgasse 8",
        "Freier Träger: sozialpädagogische Familienhilfe und Mutter-Kind-Wohnen.",
        [("Felix Wagner", "Teamleitung SPFH", "Sozialpädagogische Familienhilfe")],
        [
            (
                "Sozialpädagogische Familienhilfe",
                "Familien mit Unterstützungsbedarf",
                "aufsuchende Hilfe nach § 31 SGB VIII",
            )
        ],
        [("Bernd Schäfer", "Vorstand", True)],
    ),
    (
        "Gesamtschule am Lindenpark",
        "GE Lindenpark",
        "Schule",
        "Parkallee 20",
        "Schulsozialarbeit und Beratung für Schülerinnen und Schüler.",
        [("Nina Koch", "Schulsozialarbeiterin", "Schulsozialarbeit, Kinderschutz an der Schule")],
        [("Schulsozialarbeit", "Schülerinnen und Schüler der Klassen 5 bis 10", "Beratung, Krisenintervention")],
        [("Ralf Meyer", "Schulleitung", True)],
    ),
    (
        "Jugendberufsagentur Lindenbrück",
        "JBA",
        "Berufsberatung",
        "Hafenstraße 2",
        "Berufsorientierung und Übergang Schule – Beruf für junge Menschen.",
        [("Sven Richter", "Berufsberater", "Übergang Schule – Beruf")],
        [("Berufsberatung", "junge Menschen unter 25", "Beratung zur Ausbildungs- und Berufswahl")],
        [("Claudia Neumann", "Geschäftsführung", True)],
    ),
]

# (email local part, first name, last name, institution short name, roles, administration)
DEMO_USERS = [
    ("admin", "Sabine", "Albrecht", "KoKi", [Role.KOORDINATION], True),
    ("koordination", "Jonas", "Keller", "Jugendamt", [Role.KOORDINATION, Role.MITGLIED], False),
    ("mitglied", "Miriam", "Yilmaz", "DroBe", [Role.MITGLIED], False),
    ("leitung", "Petra", "Lange", "Jugendamt", [Role.LEITUNG], False),
    ("fachkraft", "Tobias", "Fischer", "DroBe", [Role.FACHKRAFT], False),
    ("koordination.drobe", "Lars", "Becker", "DroBe", [Role.KOORDINATION], False),
    ("leitung.drobe", "Thomas", "Brandt", "DroBe", [Role.LEITUNG], False),
    ("koordination.klinikum", "Lea", "Schubert", "Klinikum", [Role.KOORDINATION, Role.MITGLIED], False),
    ("leitung.klinikum", "Martin", "Weiß", "Klinikum", [Role.LEITUNG], False),
    ("fachkraft.klinikum", "Jan", "Hoffmann", "Klinikum", [Role.FACHKRAFT], False),
    ("fachkraft.jugendamt", "Aylin", "Demir", "Jugendamt", [Role.FACHKRAFT, Role.MITGLIED], False),
    ("mitglied.famheb", "Ute", "Berger", "FamHeb", [Role.MITGLIED, Role.FACHKRAFT], False),
]

# Which demo account is the in-app signatory of which leader.
LEADER_ACCOUNTS = {
    "Dr. Petra Lange": "leitung",
    "Thomas Brandt": "leitung.drobe",
    "Prof. Dr. Martin Weiß": "leitung.klinikum",
}


class Command(BaseCommand):
    help = "Lädt deutsche Demodaten (idempotent). --scale N vervielfacht Institutionen und Konten."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Vervielfachung für Lasttests (Standard 1)")

    # Demo data notifies nobody: the structure's e-mails would only clutter the console.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    @transaction.atomic
    def handle(self, *args, scale: int = 1, **options):
        if scale < 1:
            self.stderr.write("--scale muss mindestens 1 sein.")
            raise SystemExit(2)
        fields = {f.name: f for f in Arbeitsfeld.objects.all()}
        for copy in range(1, scale + 1):
            institutions = self._institutions(fields, copy)
            self._users(institutions, copy)
            accounts = {u.email: u for u in User.objects.filter(email__endswith=DOMAIN)}
            users = partial(self._account, accounts, copy=copy)
            seed_agreements(institutions, users, suffix="" if copy == 1 else f" (Region {copy})")
            seed_conferences(institutions, users, suffix="" if copy == 1 else f" (Region {copy})")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodaten geladen ({Institution.objects.count()} Institutionen, {User.objects.count()} Konten)."
            )
        )

    def _institutions(self, fields, copy: int) -> dict[str, Institution]:
        suffix = "" if copy == 1 else f" (Region {copy})"
        result = {}
        for name, short, field, street, description, contacts, offers, leaders in INSTITUTIONS:
            institution, created = Institution.objects.get_or_create(
                name=f"{name}{suffix}",
                defaults={
                    "short_name": f"{short}{suffix and f' {copy}'}",
                    "arbeitsfeld": fields[field],
                    "street": street,
                    "postal_code": f"{12340 + copy:05d}"[:5],
                    "city": "Lindenbrück",
                    "phone": f"0555 {1000 + len(result)}-0",
                    "email": f"kontakt@{short.lower().replace(' ', '').replace('.', '')}{copy}.{DOMAIN}",
                    "website": f"https://{short.lower().replace(' ', '').replace('.', '')}{copy}.{DOMAIN}",
                    "description": description,
                },
            )
            if created:
                for position, (cname, function, responsibility) in enumerate(contacts):
                    Contact.objects.create(
                        institution=institution,
                        name=cname,
                        function=function,
                        responsibility=responsibility,
                        position=position,
                    )
                for position, (title, target, text) in enumerate(offers):
                    Offer.objects.create(
                        institution=institution,
                        title=title,
                        target_group=target,
                        description=text,
                        position=position,
                    )
                for position, (lname, function, signs) in enumerate(leaders):
                    Leader.objects.create(
                        institution=institution, name=lname, function=function, signs=signs, position=position
                    )
            result[short] = institution
        return result

    @classmethod
    def _account(cls, accounts: dict, local: str, copy: int):
        return accounts[cls._email(local, copy)]

    @staticmethod
    def _email(local: str, copy: int) -> str:
        return f"{local}@{DOMAIN}" if copy == 1 else f"{local}.{copy}@{DOMAIN}"

    def _users(self, institutions: dict[str, Institution], copy: int) -> None:
        for local, first, last, short, roles, is_admin in DEMO_USERS:
            email = f"{local}@{DOMAIN}" if copy == 1 else f"{local}.{copy}@{DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, DEMO_PASSWORD, first_name=first, last_name=last, is_administration=is_admin
                )
            for role in roles:
                Membership.objects.get_or_create(user=user, institution=institutions[short], role=role)
            if twofactor.requires_second_factor(user) and not twofactor.has_second_factor(user):
                twofactor.enrol_with_secret(user, DEMO_TOTP_SECRET)
        for leader_name, local in LEADER_ACCOUNTS.items():
            email = f"{local}@{DOMAIN}" if copy == 1 else f"{local}.{copy}@{DOMAIN}"
            Leader.objects.filter(name=leader_name, institution__in=institutions.values(), user__isnull=True).update(
                user=User.objects.get(email=email)
            )
