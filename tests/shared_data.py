"""Data built once per module for tests that only read it.

`built_once` builds the data inside an outer transaction before the module's first test. Every
test then runs in a savepoint of that transaction (pytest-django's `db`), so whatever a test
changes in the database is rolled back, and the outer transaction is rolled back after the
module: nothing leaks into other modules. Use it from an autouse module fixture, so the data
exist before the first test's own transaction begins:

    @pytest.fixture(scope="module", autouse=True)
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        with built_once(django_db_blocker, tmp_path_factory.mktemp("media"), build_world) as data:
            yield data

Only for tests that do not change the shared objects in memory (or that get fresh copies from
the database per test), and not for modules with `transactional_db` or `live_server` tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.test import override_settings

T = TypeVar("T")

FAST_PASSWORDS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def built_once(django_db_blocker, media_root: Path, build: Callable[[], T]) -> Iterator[T]:
    """Yield `build()`'s result, built in a transaction that is rolled back afterwards.

    MEDIA_ROOT points at `media_root` (and passwords hash fast) while the data are in use.
    """
    with override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=FAST_PASSWORDS):
        with django_db_blocker.unblock():
            outer = transaction.atomic(using=DEFAULT_DB_ALIAS)
            outer.__enter__()
            try:
                data = build()
            except BaseException:
                _roll_back(outer)
                raise
        try:
            yield data
        finally:
            with django_db_blocker.unblock():
                _roll_back(outer)


def _roll_back(outer) -> None:
    transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
    outer.__exit__(None, None, None)
