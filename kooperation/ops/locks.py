"""Jobs that must run on one server only: a PostgreSQL advisory lock, elsewhere a lock row."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from collections.abc import Iterator
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kooperation.ops.models import JobLock

# A lock row older than this belongs to a server that died mid-run; the next run takes it over.
STALE_AFTER = timedelta(hours=6)


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"kooperation:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def run_once(name: str) -> Iterator[bool]:
    """Yield True if this process holds the job's lock (and must run it), False if another one does."""
    if connection.vendor == "postgresql":
        key = _advisory_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    holder = f"{socket.gethostname()}:{os.getpid()}"
    now = timezone.now()
    JobLock.objects.filter(name=name, acquired_at__lt=now - STALE_AFTER).delete()
    try:
        with transaction.atomic():
            JobLock.objects.create(name=name, acquired_at=now, holder=holder)
    except IntegrityError:
        yield False
        return
    try:
        yield True
    finally:
        JobLock.objects.filter(name=name, holder=holder).delete()
