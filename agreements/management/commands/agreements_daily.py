"""Daily timer: signed agreements whose start date has come, reviews due, expired terms, signature reminders."""

from django.core.management.base import BaseCommand

from agreements.services.signing import daily


class Command(BaseCommand):
    help = (
        "Tägliche Prüfung: Inkrafttreten unterzeichneter Vereinbarungen, fällige Überprüfungen, abgelaufene "
        "Laufzeiten, Erinnerungen an Unterschriften."
    )

    def handle(self, *args, **options):
        counts = daily()
        self.stdout.write(
            f"Überprüfung fällig: {counts['review_due']}, beendet (Laufzeit abgelaufen): {counts['expired']}, "
            f"Erinnerungen an Unterschriften: {counts['reminded']}, in Kraft getreten: {counts['in_force']}"
        )
