"""Scoping helpers: which institutions a user belongs to, read from memberships loaded once per request."""

from __future__ import annotations

from django.db import router

from kooperation.core.compiled import CompiledQuery


def _memberships_query(user_id):
    from kooperation.network.models import Membership

    return Membership.objects.filter(user_id=user_id).select_related("institution__arbeitsfeld")


def _memberships_params(connection, user_id):
    from kooperation.network.models import Membership

    return [Membership._meta.get_field("user").target_field.get_db_prep_value(user_id, connection)]


# Every signed-in request reads them (the second-factor gate), so their SQL is compiled once per connection.
_MEMBERSHIPS = CompiledQuery(_memberships_query, _memberships_params)


def memberships(user) -> list:
    """Return the user's memberships, loaded once per request and cached on the user.

    The same rows as `user.memberships.select_related("institution__arbeitsfeld")`, each with its
    `user` set to this user.
    """
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_kooperation_memberships", None)
    if cached is None:
        from kooperation.network.models import Membership

        cached = _MEMBERSHIPS.fetch(router.db_for_read(Membership, instance=user), user.pk)
        user_field = Membership._meta.get_field("user")
        for membership in cached:
            user_field.set_cached_value(membership, user)
        user._kooperation_memberships = cached
    return cached


def institution_ids(user, role: str | None = None) -> set[int]:
    """IDs of the active institutions the user belongs to (optionally: with this role)."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and (role is None or m.role == role)}


def role_institution_ids(user, roles) -> set[int]:
    """IDs of the active institutions in which the user holds one of these roles."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and m.role in roles}


def has_role(user, institution_id: int, role: str) -> bool:
    return institution_id in institution_ids(user, role)
