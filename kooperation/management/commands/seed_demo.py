"""Load German demo data: institutions in several fields and one demo user per role."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from agreements.demo import seed_agreements
from agreements.demo_collaboration import seed_collaboration
from agreements.services.contract import contracts_rendered_on_first_download
from conferences.demo import seed_conferences
from kooperation.network import twofactor
from kooperation.network.models import Arbeitsfeld, Contact, Institution, Leader, Membership, Offer, Role, User
from kooperation.ops.outbox import sent_in_bulk

DEMO_PASSWORD = "kooperation-demo"
DOMAIN = "kooperation.example"
MAX_SCALE = 100
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
        parser.add_argument("--scale", type=int, default=1, help="Vervielfachung für Lasttests (Standard 1 bis 100)")

    # Demo data notifies nobody: the structure's e-mails would only clutter the console.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    def handle(self, *args, scale: int = 1, **options):
        if not 1 <= scale <= MAX_SCALE:
            self.stderr.write(f"--scale muss zwischen 1 und {MAX_SCALE} liegen.")
            raise SystemExit(2)
        # One hash for every demo account: hashing is deliberately slow (about a second per call).
        self.password_hash = make_password(DEMO_PASSWORD)
        fields = {f.name: f for f in Arbeitsfeld.objects.all()}
        # Contracts of the demo agreements are rendered on their first download, not hundreds at once here.
        with contracts_rendered_on_first_download():
            for copy in range(1, scale + 1):
                # One transaction per copy: a large --scale keeps what it has done when interrupted.
                # Its mails are sent together after the commit, not a task and a commit per mail.
                with sent_in_bulk(), transaction.atomic():
                    self._copy(fields, copy)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodaten geladen ({Institution.objects.count()} Institutionen, {User.objects.count()} Konten)."
            )
        )

    def _copy(self, fields, copy: int) -> None:
        suffix = "" if copy == 1 else f" (Region {copy})"
        institutions = self._institutions(fields, copy)
        self._users(institutions, copy)
        emails = [self._email(local, copy) for local, *_rest in DEMO_USERS]
        accounts = {u.email: u for u in User.objects.filter(email__in=emails)}
        users = partial(self._account, accounts, copy=copy)
        seed_agreements(institutions, users, suffix=suffix)
        seed_collaboration(users, suffix=suffix)
        seed_conferences(institutions, users, suffix=suffix)

    def _institutions(self, fields, copy: int) -> dict[str, Institution]:
        suffix = "" if copy == 1 else f" (Region {copy})"
        names = {f"{row[0]}{suffix}": row for row in INSTITUTIONS}
        existing = {i.name: i for i in Institution.objects.filter(name__in=names)}
        new = [
            Institution(
                name=full_name,
                short_name=f"{short}{suffix and f' {copy}'}",
                arbeitsfeld=fields[field],
                street=street,
                postal_code=f"{12340 + copy:05d}"[:5],
                city="Lindenbrück",
                phone=f"0555 {1000 + position}-0",
                email=f"kontakt@{short.lower().replace(' ', '').replace('.', '')}{copy}.{DOMAIN}",
                website=f"https://{short.lower().replace(' ', '').replace('.', '')}{copy}.{DOMAIN}",
                description=description,
            )
            for position, (full_name, (_name, short, field, street, description, *_rest)) in enumerate(names.items())
            if full_name not in existing
        ]
        if new:
            Institution.objects.bulk_create(new)
            created = {i.name: i for i in Institution.objects.filter(name__in=[i.name for i in new])}
            contacts, offers, leaders = [], [], []
            for full_name, institution in created.items():
                _n, _s, _f, _st, _d, contact_rows, offer_rows, leader_rows = names[full_name]
                contacts += [
                    Contact(institution=institution, name=n, function=f, responsibility=r, position=p)
                    for p, (n, f, r) in enumerate(contact_rows)
                ]
                offers += [
                    Offer(institution=institution, title=t, target_group=g, description=d, position=p)
                    for p, (t, g, d) in enumerate(offer_rows)
                ]
                leaders += [
                    Leader(institution=institution, name=n, function=f, signs=signs, position=p)
                    for p, (n, f, signs) in enumerate(leader_rows)
                ]
            Contact.objects.bulk_create(contacts)
            Offer.objects.bulk_create(offers)
            Leader.objects.bulk_create(leaders)
            existing.update(created)
        return {row[1]: existing[full_name] for full_name, row in names.items()}

    @classmethod
    def _account(cls, accounts: dict, local: str, copy: int):
        return accounts[cls._email(local, copy)]

    @staticmethod
    def _email(local: str, copy: int) -> str:
        return f"{local}@{DOMAIN}" if copy == 1 else f"{local}.{copy}@{DOMAIN}"

    def _users(self, institutions: dict[str, Institution], copy: int) -> None:
        emails = {self._email(local, copy): row for local, *_r in DEMO_USERS for row in [(local, *_r)]}
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create(
            User(
                email=email,
                password=self.password_hash,
                first_name=first,
                last_name=last,
                is_administration=is_admin,
            )
            for email, (_local, first, last, _short, _roles, is_admin) in emails.items()
            if email not in existing
        )
        accounts = {u.email: u for u in User.objects.filter(email__in=emails)}
        wanted = {
            (accounts[email].pk, institutions[short].pk, role)
            for email, (_local, _first, _last, short, roles, _admin) in emails.items()
            for role in roles
        }
        present = set(
            Membership.objects.filter(user__in=accounts.values()).values_list("user_id", "institution_id", "role")
        )
        Membership.objects.bulk_create(
            Membership(user_id=user_id, institution_id=institution_id, role=role)
            for user_id, institution_id, role in sorted(wanted - present)
        )
        for user in accounts.values():
            if twofactor.requires_second_factor(user) and not twofactor.has_second_factor(user):
                twofactor.enrol_with_secret(user, DEMO_TOTP_SECRET)
        for leader_name, local in LEADER_ACCOUNTS.items():
            Leader.objects.filter(name=leader_name, institution__in=institutions.values(), user__isnull=True).update(
                user=accounts[self._email(local, copy)]
            )
