"""Health endpoints for the load balancer: no login, no details in the answer."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _answer(ok: bool) -> JsonResponse:
    return JsonResponse({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)


@login_not_required
@never_cache
@require_safe
def live(request):
    """The process is up and answers; touches neither the database nor storage."""
    return _answer(True)


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations_ok() -> None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")


def _storage_ok() -> None:
    name = default_storage.save(f"health/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


@login_not_required
@never_cache
@require_safe
def ready(request):
    """Ready for traffic: database reachable, all migrations applied, file storage writable."""
    for check in (_database_ok, _migrations_ok, _storage_ok):
        try:
            check()
        except Exception:  # whatever fails, the balancer only learns "unavailable"; the log has the reason
            logger.exception("health check %s failed", check.__name__)
            return _answer(False)
    return _answer(True)
