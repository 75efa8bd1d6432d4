from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Vereinbarungen")

    def ready(self) -> None:
        # Registering with auditlog needs the model classes, which exist only once apps are ready.
        from auditlog.registry import auditlog

        from agreements import models

        # The history (Verlauf) of every agreement and every row of its text.
        unversioned = ["version", "updated_at"]
        for model in (
            models.Agreement,
            models.Partner,
            models.TargetGroup,
            models.Goal,
            models.Indicator,
            models.Criterion,
            models.Responsibility,
            models.CommunicationPath,
            models.DataSharingRule,
            models.FlowPlan,
            models.DataProtection,
            models.ConferenceRules,
            models.Term,
            models.PrepGroupSeat,
            models.BoardMember,
            models.Subgroup,
            models.GuidingQuestion,
            models.SubgroupAnswer,
            models.Reflection,
            models.Signature,
            models.AgreementAttachment,
            models.SectionComment,
        ):
            auditlog.register(model, exclude_fields=unversioned)
        auditlog.register(models.CatalogueEntry, exclude_fields=unversioned)
        auditlog.register(models.AgreementTemplate, exclude_fields=unversioned)
