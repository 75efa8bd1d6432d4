"""Meine Aufgaben: open tasks of the user and the user's institutions, and marking them done."""

from __future__ import annotations

from django.contrib import messages
from django.db import router
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from conferences import access
from conferences.forms.filters import TaskFilterForm
from conferences.forms.tasks import TaskStatusForm, status_prefix
from conferences.models import Task, TaskStatus
from conferences.models.task import visibility_key
from conferences.queries.tasks import my_tasks_queryset
from conferences.services.tasks import set_task_status
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.core.forms import rebind_after_conflict
from kooperation.core.paging import get_page_keyed

PAGE_SIZE = 25


def url_pattern(name: str):
    """The URL of a view that takes one pk, reversed once: a function pk → URL for the rows of a list."""
    head, tail = reverse(name, args=[987654321]).split("987654321")
    return lambda pk: f"{head}{pk}{tail}"


def my_tasks(request):
    """Every open task for me or my institution, by due date, overdue ones marked."""
    form = TaskFilterForm(request.GET or None, user=request.user)
    # Compiled once per key: my_tasks_queryset reads what visibility_key names, the filter what filter_key does.
    page = get_page_keyed(
        ("my_tasks", *visibility_key(request.user), form.filter_key()),
        lambda: form.filter_queryset(my_tasks_queryset(request.user)),
        PAGE_SIZE,
        request.GET.get("page"),
        router.db_for_read(Task),
    )
    # Task texts of cases are case data: the loader logs each case task's read.
    tasks = access.read_tasks(request.user, page.object_list, "Meine Aufgaben")
    # The form of each open task is written out by the template from these (no form object and no
    # widget templates per task); posted, it is a TaskStatusForm with the same prefix and names.
    status_url = url_pattern("task_status")
    for task in tasks:
        task.status_url = status_url(task.pk)
        task.status_prefix = status_prefix(task.pk)
    fields = TaskStatusForm.base_fields
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "conferences/my_tasks.html",
        {
            "filter_form": form,
            "page_obj": page,
            "tasks": tasks,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "here": request.get_full_path(),
            "status_label": fields["status"].label,
            "status_choices": list(fields["status"].choices),
            "note_label": fields["note"].label,
        },
    )


def task_status(request, pk: int):
    """Mark a task done (or no longer needed) with a note; the page shows errors field by field."""
    task = access.get_task_for(request.user, pk, read="Aufgabe", write=True)
    prefix = status_prefix(task.pk)
    form = TaskStatusForm(request.POST or None, task=task, prefix=prefix)
    back = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would take a bare word for the name of a view.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "POST" and not task.is_open:
        messages.info(request, _("Diese Aufgabe ist bereits „%(status)s“.") % {"status": task.get_status_display()})
        return redirect(back or "my_tasks")
    if request.method == "POST" and form.is_valid():
        try:
            set_task_status(
                request.user,
                task,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as conflict:
            current = conflict.current
            state = current.get_status_display() if current else _("gelöscht")
            form = rebind_after_conflict(
                TaskStatusForm,
                request.POST,
                current,
                _("Diese Aufgabe wurde inzwischen von jemand anderem geändert (Stand jetzt: %(status)s).")
                % {"status": state},
                task=current or task,
                prefix=prefix,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            label = _("erledigt") if task.status == TaskStatus.ERLEDIGT else _("entfallen")
            messages.success(request, _("Die Aufgabe ist als „%(status)s“ vermerkt.") % {"status": label})
            return redirect(back or "my_tasks")
    return render(request, "conferences/task_status.html", {"task": task, "form": form, "next": back})
