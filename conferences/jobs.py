"""The daily reminders, run on one server only (command and background task share it)."""

from __future__ import annotations

from django_tasks import task

from conferences.services.reminders import send_waiting_reminders
from conferences.services.tasks import send_task_reminders
from kooperation.ops.locks import run_once


def run_reminders(dry_run: bool = False) -> tuple[int, int] | None:
    """Send the reminders unless another server is sending them right now (then None).

    Returns (people reminded of tasks, reminders of expiring consents and the coming conference).
    """
    with run_once("conferences_daily") as mine:
        if not mine:
            return None
        return send_task_reminders(dry_run=dry_run), send_waiting_reminders(dry_run=dry_run)


@task()
def reminders_task() -> list[int] | None:
    """Background task for `conferences_daily --enqueue`."""
    counts = run_reminders()
    return None if counts is None else list(counts)
