"""Optimistic locking: a stale save is refused with a conflict, never silently applied."""

from __future__ import annotations

from django.db import models
from django.db.models import F


class Versioned(models.Model):
    """A row whose every save through a form bumps its version."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class ConflictError(Exception):
    """Someone else saved the row since the form was loaded."""

    def __init__(self, instance: models.Model, current: models.Model | None):
        super().__init__(f"{instance._meta.label} {instance.pk} changed concurrently")
        self.instance = instance
        self.current = current  # None when the row was deleted meanwhile


def claim_version(instance: Versioned, expected: int) -> None:
    """Bump the row's version if it is still `expected`; raise ConflictError otherwise.

    Call inside a transaction, before writing the row: the UPDATE locks it, so
    two concurrent savers cannot both pass.
    """
    manager = type(instance)._default_manager
    updated = manager.filter(pk=instance.pk, version=expected).update(version=F("version") + 1)
    if not updated:
        raise ConflictError(instance, manager.filter(pk=instance.pk).first())
    instance.version = expected + 1
