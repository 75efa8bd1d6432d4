"""Every management command of the project loads and answers --help (an ImportError shows here, not in production)."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

OURS = ("agreements", "conferences", "kooperation")


def _our_commands() -> list[tuple[str, str]]:
    return sorted((name, app) for name, app in get_commands().items() if app.split(".")[0] in OURS)


def test_the_operations_commands_are_found():
    names = {name for name, _app in _our_commands()}
    assert {"seed_demo", "bench_pages", "bench_pdf", "agreements_daily", "conferences_daily"} <= names


@pytest.mark.parametrize(("name", "app"), _our_commands())
def test_command_loads_and_describes_itself(name, app):
    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    assert parser.format_help().strip()
