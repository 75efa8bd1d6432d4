"""Print the current second-factor code of a demo account (demo data only)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kooperation.network import twofactor
from kooperation.network.models import User

DEMO_DOMAIN = "@kooperation.example"


class Command(BaseCommand):
    help = "Zeigt den aktuellen Code der Authenticator-App eines Demo-Kontos (nur Demodaten)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="E-Mail-Adresse des Demo-Kontos, z. B. admin@kooperation.example")

    def handle(self, *args, email: str, **options):
        email = email.strip().lower()
        if not email.endswith(DEMO_DOMAIN):
            raise CommandError(f"Nur für Demo-Konten (…{DEMO_DOMAIN}).")
        user = User.objects.filter(email=email).first()
        device = twofactor.app_device(user) if user else None
        if device is None:
            raise CommandError(f"{email}: kein Demo-Konto mit eingerichteter Zwei-Faktor-Anmeldung.")
        self.stdout.write(twofactor.current_code(device))
