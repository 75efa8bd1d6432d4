"""Administration: Arbeitsfelder, user accounts and memberships."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.core.forms import save_with_conflict_check
from kooperation.network import invitations, services, throttle, twofactor
from kooperation.network import permissions as perms
from kooperation.network.forms.accounts import MembershipFormSet, UserFilterForm, UserForm
from kooperation.network.forms.institutions import ArbeitsfeldForm
from kooperation.network.forms.security import ResetForm
from kooperation.network.models import Arbeitsfeld, Membership, User


def arbeitsfeld_list(request):
    """List the Arbeitsfelder with how many institutions each has."""
    perms.require(perms.can_manage_network(request.user))
    fields = Arbeitsfeld.objects.annotate(institution_count=Count("institutions"))
    return render(request, "network/arbeitsfeld_list.html", {"arbeitsfelder": fields})


def arbeitsfeld_edit(request, pk: int | None = None):
    """Create or edit an Arbeitsfeld."""
    perms.require(perms.can_manage_network(request.user))
    arbeitsfeld = get_object_or_404(Arbeitsfeld, pk=pk) if pk else None
    form = ArbeitsfeldForm(request.POST or None, instance=arbeitsfeld)
    if request.method == "POST" and form.is_valid() and save_with_conflict_check(form):
        messages.success(request, _("Das Arbeitsfeld „%(name)s“ wurde gespeichert.") % {"name": form.instance.name})
        return redirect("arbeitsfeld_list")
    return render(request, "network/arbeitsfeld_form.html", {"form": form, "arbeitsfeld": arbeitsfeld})


def user_list(request):
    """List user accounts with their memberships, filterable."""
    perms.require(perms.can_manage_users(request.user))
    form = UserFilterForm(request.GET or None)
    queryset = form.filter_queryset(User.objects.all()).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("institution"))
    )
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    latest = invitations.latest_by_user(account.pk for account in page)
    for account in page:
        account.latest_invitation = latest.get(account.pk)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter_form": form, "page_obj": page, "query": query.urlencode(), "here": request.get_full_path()}
    return render(request, "network/user_list.html", context)


def _save_account(request, form, formset) -> bool:
    """Save the account and its memberships in one transaction; show conflicts on the form."""

    def save():
        formset.instance = form.save()
        formset.save()
        services.record_role_changes(request.user, formset.instance, formset, request=request)

    try:
        return bool(save_with_conflict_check(form, save=save))
    except IntegrityError:
        formset._non_form_errors = formset.error_class(
            [
                _(
                    "Eine dieser Mitgliedschaften wurde gerade von jemand anderem angelegt. "
                    "Bitte prüfen und erneut speichern."
                )
            ]
        )
        return False


def user_create(request):
    """Create an account, attach memberships and send the invitation e-mail."""
    perms.require(perms.can_manage_users(request.user))
    form = UserForm(request.POST or None)
    formset = MembershipFormSet(request.POST or None, instance=User(), prefix="memberships")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        form.instance.set_unusable_password()
        if _save_account(request, form, formset):
            services.send_invitation(form.instance, actor=request.user)
            messages.success(
                request,
                _("Das Konto für %(email)s wurde angelegt; eine Einladung wurde per E-Mail verschickt.")
                % {"email": form.instance.email},
            )
            return redirect("user_edit", pk=form.instance.pk)
    return render(request, "network/user_form.html", {"form": form, "formset": formset, "account": None})


def user_edit(request, pk: int):
    """Edit an account and its memberships."""
    account = perms.get_managed_user(request.user, pk)
    form = UserForm(request.POST or None, instance=account)
    formset = MembershipFormSet(request.POST or None, instance=account, prefix="memberships")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        own_roles = perms.can_change_memberships(request.user, account)
        if account.pk == request.user.pk and not form.cleaned_data["is_administration"]:
            form.add_error("is_administration", _("Sie können sich die Administration nicht selbst entziehen."))
        elif formset.has_changed() and not own_roles:
            formset._non_form_errors = formset.error_class([own_roles.reason])
        elif _save_account(request, form, formset):
            messages.success(request, _("Die Änderungen wurden gespeichert."))
            return redirect("user_edit", pk=account.pk)
    context = {
        "form": form,
        "formset": formset,
        "account": account,
        "has_second_factor": twofactor.has_second_factor(account),
        "sign_in_locked": throttle.is_name_locked(account.email),
        "reset_form": ResetForm(),
        "own_account": account.pk == request.user.pk,
    }
    return render(request, "network/user_form.html", context)


@require_POST
def user_set_active(request, pk: int, active: bool):
    """Deactivate or reactivate an account."""
    account = perms.get_managed_user(request.user, pk)
    if account.pk == request.user.pk and not active:
        messages.error(request, _("Sie können Ihr eigenes Konto nicht deaktivieren."))
        return redirect("user_edit", pk=account.pk)
    services.set_user_active(account, active)
    if active:
        messages.success(request, _("Das Konto von %(name)s ist wieder aktiv.") % {"name": account})
    else:
        messages.success(request, _("Das Konto von %(name)s wurde deaktiviert.") % {"name": account})
    return redirect("user_edit", pk=account.pk)


@require_POST
def user_invite(request, pk: int):
    """Send the invitation e-mail again."""
    account = perms.get_managed_user(request.user, pk)
    if not account.is_active:
        messages.error(request, _("Ein deaktiviertes Konto kann nicht eingeladen werden."))
    else:
        services.send_invitation(account, actor=request.user)
        messages.success(request, _("Die Einladung wurde erneut an %(email)s verschickt.") % {"email": account.email})
    return redirect("user_edit", pk=account.pk)
