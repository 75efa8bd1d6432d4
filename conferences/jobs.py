"""The daily task reminders, run on one server only (command and background task share it)."""

from __future__ import annotations

from django_tasks import task

from conferences.services.tasks import send_task_reminders
from kooperation.ops.locks import run_once


def run_reminders(dry_run: bool = False) -> int | None:
    """Send the reminders unless another server is sending them right now (then None)."""
    with run_once("conferences_daily") as mine:
        return send_task_reminders(dry_run=dry_run) if mine else None


@task()
def reminders_task() -> int | None:
    """Background task for `conferences_daily --enqueue`."""
    return run_reminders()
