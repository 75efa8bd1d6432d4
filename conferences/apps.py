from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from agreements.signals import revision_in_force


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Hilfekonferenzen und Sitzungen")

    def ready(self) -> None:
        # Registering with auditlog needs the model classes, which exist only once apps are ready.
        from auditlog.registry import auditlog

        from conferences import models, panels
        from conferences.audit import MASKED_FIELDS
        from conferences.services.revisions import carry_over

        # An amendment in force takes the open work along (agreements sends, conferences moves its rows).
        revision_in_force.connect(carry_over, dispatch_uid="conferences.carry_over")
        # The quality dialogue shows its Sitzung and measures (agreements cannot import conferences).
        panels.register()

        # Every write to case data is logged with its case_id; reads are logged by the views.
        unversioned = ["version", "updated_at"]
        m2m = {"Consent": {"institutions"}, "Conference": {"invited"}, "Meeting": {"invited"}}
        for model in (
            models.Case,
            models.CaseInstitution,
            models.Consent,
            models.Conference,
            models.StaffParticipant,
            models.FamilyParticipant,
            models.CriterionCheck,
            models.Task,
            models.Addendum,
            models.Meeting,
            models.AgendaItem,
            models.Attendance,
            models.MeetingAttachment,
            models.CaseAttachment,
        ):
            name = model.__name__
            auditlog.register(
                model,
                exclude_fields=list(unversioned),
                mask_fields=MASKED_FIELDS.get(name, []),
                mask_callable="conferences.audit.mask_text",
                m2m_fields=m2m.get(name, set()),
            )
