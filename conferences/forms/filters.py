"""GET filters of the task and Sitzung lists."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from agreements.models import Agreement
from conferences.models import Body, TaskStatus
from kooperation.core.forms import FilterForm


class TaskFilterForm(FilterForm):
    scope = forms.ChoiceField(
        label=gettext_lazy("Zuständig"),
        required=False,
        choices=[("", gettext_lazy("ich oder meine Institutionen")), ("ich", gettext_lazy("nur ich persönlich"))],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Aus"),
        required=False,
        choices=[
            ("", gettext_lazy("Hilfekonferenzen und Sitzungen")),
            ("faelle", gettext_lazy("Hilfekonferenzen")),
            ("sitzungen", gettext_lazy("Sitzungen")),
        ],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("offen")), *TaskStatus.choices[1:]]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_queryset(self, queryset):
        data = self.cleaned_data if self.is_valid() else {"scope": "", "kind": "", "status": ""}
        queryset = queryset.filter(status=data["status"] or TaskStatus.OFFEN)
        if data["scope"] == "ich":
            queryset = queryset.filter(responsible_user=self.user)
        if data["kind"] == "faelle":
            queryset = queryset.filter(case__isnull=False)
        elif data["kind"] == "sitzungen":
            queryset = queryset.filter(meeting__isnull=False)
        return queryset


class MeetingFilterForm(FilterForm):
    agreement = forms.ModelChoiceField(
        label=gettext_lazy("Vereinbarung"), queryset=None, required=False, empty_label=gettext_lazy("Alle")
    )
    body = forms.ChoiceField(
        label=gettext_lazy("Gremium"), required=False, choices=[("", gettext_lazy("Alle")), *Body.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = Agreement.objects.visible_to(user).order_by("title")

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data["agreement"]:
            queryset = queryset.filter(agreement=self.cleaned_data["agreement"])
        if self.cleaned_data["body"]:
            queryset = queryset.filter(body=self.cleaned_data["body"])
        return queryset
