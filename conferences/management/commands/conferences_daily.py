"""Daily run: remind people of open tasks, expiring consents and the coming conference (links only),
then delete what is past its deletion period (conferences_retention)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from conferences.jobs import reminders_task, run_reminders
from conferences.management.commands.conferences_retention import report
from conferences.services.tasks import REMINDER_DAYS


class Command(BaseCommand):
    help = (
        f"Erinnert an offene Aufgaben, die in den nächsten {REMINDER_DAYS} Tagen fällig oder überfällig sind "
        "(höchstens einmal täglich je Aufgabe), an Einwilligungen, die in 30 Tagen ablaufen, und an die nächste "
        "Hilfekonferenz (höchstens wöchentlich je Person und Vorgang), und löscht, was seine Löschfrist "
        "überschritten hat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Nur zählen, keine E-Mails senden, nichts löschen.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Nicht selbst ausführen, sondern dem Hintergrund-Worker übergeben."
        )

    def handle(self, *args, dry_run: bool = False, enqueue: bool = False, **options):
        if enqueue:
            result = reminders_task.enqueue()
            self.stdout.write(f"Als Hintergrundaufgabe eingereiht: {result.id}")
            return
        counts = run_reminders(dry_run=dry_run)
        if counts is None:
            self.stdout.write("Übersprungen: die Erinnerungen laufen bereits auf einem anderen Server.")
            return
        verb = "würden erinnert" if dry_run else "erinnert"
        count, waiting = counts
        self.stdout.write(self.style.SUCCESS(f"{count} Person(en) {verb}."))
        self.stdout.write(f"Erinnerungen an ablaufende Einwilligungen und Hilfekonferenzen: {waiting}")
        report(self, dry_run)
