"""The audit log's actor for writes during a request, without connecting a signal per request."""

from __future__ import annotations

from functools import partial

from auditlog import get_logentry_model
from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.db.models.signals import pre_save

# The receiver's dispatch id; auditlog's own context data carries it as "signal_duid".
REQUEST_SIGNAL = ("kooperation.core.audit", "request")


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (actor, address and port on each LogEntry written during the request).

    auditlog 3.4 connects a pre_save receiver at the start of every request and disconnects it at the
    end, which also empties the signal's receiver cache each time. This one connects the same
    receiver once; it only acts while a request's context data (with its dispatch id) is set, which
    happens for the duration of the request and is reset afterwards. A nested `set_actor(...)`
    replaces the context data as before, so its actor wins inside it.
    """

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            partial(_set_extra_data, signal_duid=REQUEST_SIGNAL),
            sender=get_logentry_model(),
            dispatch_uid=REQUEST_SIGNAL,
            weak=False,
        )

    def __call__(self, request):
        set_cid(request)
        context_data = self.get_extra_data(request)
        context_data["signal_duid"] = REQUEST_SIGNAL
        token = auditlog_value.set(context_data)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)
