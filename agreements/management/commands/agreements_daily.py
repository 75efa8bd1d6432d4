"""Daily timer: signed agreements whose start date has come, reviews due, expired terms, reminders where people
wait (one server at a time)."""

from django.core.management.base import BaseCommand

from agreements.jobs import daily_task, run_daily


class Command(BaseCommand):
    help = (
        "Tägliche Prüfung: Inkrafttreten unterzeichneter Vereinbarungen, fällige Überprüfungen, abgelaufene "
        "Laufzeiten, Erinnerungen an Unterschriften, offene Leitfragen, Zustimmungen, Selbsteinschätzungen und "
        "Überprüfungen (höchstens wöchentlich je Person und Vorgang)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Nicht selbst ausführen, sondern dem Hintergrund-Worker übergeben."
        )

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = daily_task.enqueue()
            self.stdout.write(f"Als Hintergrundaufgabe eingereiht: {result.id}")
            return
        counts = run_daily()
        if counts is None:
            self.stdout.write("Übersprungen: die tägliche Prüfung läuft bereits auf einem anderen Server.")
            return
        self.stdout.write(
            f"Überprüfung fällig: {counts['review_due']}, beendet (Laufzeit abgelaufen): {counts['expired']}, "
            f"Erinnerungen an Unterschriften: {counts['reminded']}, in Kraft getreten: {counts['in_force']}, "
            f"Erinnerungen an Leitfragen, Zustimmungen, Selbsteinschätzungen und Überprüfungen: {counts['waiting']}"
        )
