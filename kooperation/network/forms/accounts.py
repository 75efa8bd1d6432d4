"""Forms for user accounts and memberships (Administration)."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kooperation.core.forms import FilterForm, VersionedModelForm, helper
from kooperation.core.limits import RowLimitMixin, row_limits
from kooperation.core.rows import SharedChoicesMixin
from kooperation.core.widgets import SearchSelect
from kooperation.network.models import Institution, Membership, Role, User


class UserForm(VersionedModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "is_administration"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.helper = helper(
            Fieldset(
                _("Person"),
                Row(Column("first_name", css_class="col-md-6"), Column("last_name", css_class="col-md-6")),
                "email",
                "is_administration",
            ),
            "version",
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Für diese E-Mail-Adresse gibt es bereits ein Benutzerkonto."))
        return email


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["institution", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(is_active=True)
        self.fields["institution"].empty_label = _("– Institution wählen –")
        self.fields["role"].choices = [("", _("– Rolle wählen –")), *Role.choices]


class BaseMembershipFormSet(RowLimitMixin, SharedChoicesMixin, forms.BaseInlineFormSet):
    shared_choice_fields = ("institution",)

    def clean(self):
        # Before Django's own duplicate check, which would drop the fields and show only a generic message.
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data.get("institution"), form.cleaned_data.get("role"))
            if None in key:
                continue
            if key in seen:
                form.add_error("role", _("Diese Rolle ist für diese Institution bereits eingetragen."))
            seen.add(key)
        super().clean()


MembershipFormSet = forms.inlineformset_factory(
    User,
    Membership,
    form=MembershipForm,
    formset=BaseMembershipFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,  # a new, empty row has nothing to delete
    **row_limits(),
)


class UserFilterForm(FilterForm):
    q = forms.CharField(label=_("Suche"), required=False, max_length=100)
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.all(),
        required=False,
        empty_label=_("Alle"),
        widget=SearchSelect(search_url=reverse_lazy("institution_search")),
    )
    role = forms.ChoiceField(label=_("Rolle"), required=False, choices=[("", _("Alle")), *Role.choices])
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("aktive")), ("inaktiv", _("deaktivierte")), ("alle", _("alle"))],
    )

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset.filter(is_active=True)
        data = self.cleaned_data
        if data["active"] == "":
            queryset = queryset.filter(is_active=True)
        elif data["active"] == "inaktiv":
            queryset = queryset.filter(is_active=False)
        if data["q"]:
            text = data["q"].strip()
            queryset = queryset.filter(
                Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text)
            )
        if data["institution"] or data["role"]:
            members = Membership.objects.all()
            if data["institution"]:
                members = members.filter(institution=data["institution"])
            if data["role"]:
                members = members.filter(role=data["role"])
            queryset = queryset.filter(pk__in=members.values("user_id"))
        return queryset
