"""Daily run: delete closed cases and access-log entries whose deletion period has ended."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from conferences.services.retention import run_retention


def report(command: BaseCommand, dry_run: bool) -> None:
    run = run_retention(dry_run=dry_run)
    verb = "würden gelöscht" if dry_run else "gelöscht"
    cases = ", ".join(run.cases) if run.cases else "keine"
    command.stdout.write(f"Fälle {verb}: {cases} ({run.files} eingescannte Einwilligung(en)).")
    command.stdout.write(f"Einträge des Zugriffsprotokolls {verb}: {run.access_entries}.")
    if run.held:
        command.stdout.write(f"Wegen Löschsperre behalten: {', '.join(run.held)}.")


class Command(BaseCommand):
    help = (
        "Löscht abgeschlossene Fälle nach Ablauf der Löschfrist (ohne Löschsperre) und alte Einträge des "
        "Zugriffsprotokolls; ein inhaltsfreier Eintrag im Löschprotokoll bleibt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Nur anzeigen, was gelöscht würde.")

    def handle(self, *args, dry_run: bool = False, **options):
        report(self, dry_run)
