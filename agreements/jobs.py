"""The daily agreements job, run on one server only (command and background task share it)."""

from __future__ import annotations

from django_tasks import task

from agreements.services.reminders import send_waiting_reminders
from agreements.services.validity import daily
from kooperation.ops.locks import run_once


def run_daily() -> dict[str, int] | None:
    """Run the daily checks unless another server is running them right now (then None)."""
    with run_once("agreements_daily") as mine:
        if not mine:
            return None
        counts = daily()
        counts["waiting"] = send_waiting_reminders()
        return counts


@task()
def daily_task() -> dict[str, int] | None:
    """Background task for `agreements_daily --enqueue`."""
    return run_daily()
