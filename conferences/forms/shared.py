"""What the protocol forms share: person choices, who belongs where, times, and the row formsets."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from kooperation.core.rows import FixedChoices, OrderedInlineFormSet, SharedChoicesMixin, VersionedInlineFormSet
from kooperation.network.models import Institution, Membership, User


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def person_with_roles(user: User) -> str:
    """ "Name – Institution (Rolle)", from the memberships prefetched as `case_memberships` (see
    case_staff_with_roles); several roles in one institution share its parentheses."""
    roles: dict[str, list[str]] = {}
    for membership in getattr(user, "case_memberships", []):
        roles.setdefault(membership.institution.name, []).append(str(membership.get_role_display()))
    where = "; ".join(f"{name} ({', '.join(labels)})" for name, labels in roles.items())
    return f"{user} – {where}" if where else str(user)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_with_roles(obj)


class StaffMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_with_roles(obj)


def member_map(users) -> dict[int, set[int]]:
    """Which institutions each of these users belongs to (one query)."""
    result: dict[int, set[int]] = {}
    for user_id, institution_id in Membership.objects.filter(user__in=users).values_list("user_id", "institution_id"):
        result.setdefault(user_id, set()).add(institution_id)
    return result


def check_times(form, data) -> None:
    """Refuse an end time that is not after the start time."""
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and end <= start:
        form.add_error("end_time", _("Das Ende muss nach dem Beginn liegen."))


class RowFormSetMixin:
    """Rows of one protocol: the parent object is set on each row, and extra attributes on new rows."""

    row_defaults: dict = {}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The parent object itself, so the audit log reads its case without another query.
        setattr(form.instance, self.fk.name, self.instance)
        return form

    def save_new(self, form, commit=True):
        for name, value in self.row_defaults.items():
            setattr(form.instance, name, value)
        return super().save_new(form, commit)


class ProtocolRowFormSet(RowFormSetMixin, SharedChoicesMixin, VersionedInlineFormSet):
    pass


class OrderedProtocolRowFormSet(RowFormSetMixin, SharedChoicesMixin, OrderedInlineFormSet):
    pass


class RowChoices:
    """The institutions and persons a protocol's rows offer, loaded once for all its tables (participants, tasks).

    Forms given these set them as their select's choices (their own empty option first); validation still
    checks the field's queryset.
    """

    def __init__(self, institutions, staff):
        self._institutions, self._staff = institutions, staff

    @cached_property
    def institutions(self) -> list:
        return [(ModelChoiceIteratorValue(i.pk, i), str(i)) for i in self._institutions]

    @cached_property
    def persons(self) -> list:
        return [(ModelChoiceIteratorValue(u.pk, u), str(u)) for u in self._staff]

    @staticmethod
    def offer(field, options: list) -> None:
        empty = [] if field.empty_label is None else [("", field.empty_label)]
        field.choices = FixedChoices([*empty, *options])  # normalised already: not again for every row


def institutions_queryset(ids):
    """The institutions with these ids, by name (the choices of a protocol's rows)."""
    return Institution.objects.filter(pk__in=ids).order_by("name")
