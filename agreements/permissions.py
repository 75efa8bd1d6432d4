"""Access rules of the agreements app: agreements, their working structure, signing and quality.

Checks return a Verdict (allowed, or denied with a German reason the UI shows); loaders give
404 outside the user's scope and 403 for what is visible but not allowed.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    AgreementAttachment,
    AssessmentStatus,
    BoardMember,
    Deputy,
    Partner,
    SectionComment,
    SelfAssessment,
    Status,
    Subgroup,
)
from kooperation.core.access import ALLOWED, Verdict, denied, require
from kooperation.network.models import Role
from kooperation.network.permissions import has_role, institution_ids

__all__ = [
    "ALLOWED",
    "IN_FORCE",
    "Verdict",
    "can_add_attachment",
    "can_amend",
    "can_answer",
    "can_assess",
    "can_comment",
    "can_create_agreement",
    "can_decide",
    "can_edit_agreement",
    "can_edit_reflection",
    "can_name_deputy",
    "can_record_paper_signature",
    "can_remove_attachment",
    "can_resolve_comment",
    "can_sign",
    "can_void_signature",
    "denied",
    "deputy_institution_ids",
    "get_agreement_for",
    "get_attachment_for",
    "get_comment_for",
    "get_partner_for",
    "get_subgroup_for",
    "is_partner_coordinator",
    "is_partner_user",
    "partner_coordinator",
    "partner_institution_ids",
    "require",
    "subgroup_insider",
]

IN_FORCE = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)


def can_create_agreement(user) -> Verdict:
    if institution_ids(user, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Vereinbarungen legt die Koordination einer Institution an."))


def partner_institution_ids(agreement) -> set[int]:
    """IDs of the agreement's partner institutions, loaded once per agreement object."""
    cached = getattr(agreement, "_partner_institution_ids", None)
    if cached is None:
        cached = {p.institution_id for p in agreement.partners.all()}
        agreement._partner_institution_ids = cached
    return cached


def is_partner_coordinator(user, agreement) -> bool:
    return bool(institution_ids(user, Role.KOORDINATION) & partner_institution_ids(agreement))


def partner_coordinator(user, agreement) -> Verdict:
    """Lifecycle steps are taken by the Koordination of a partner institution."""
    if is_partner_coordinator(user, agreement):
        return ALLOWED
    return denied(_("Diesen Schritt geht nur die Koordination einer Partnerinstitution."))


def can_edit_agreement(user, agreement) -> Verdict:
    """Koordination of a partner institution, while the revision is not frozen."""
    if not agreement.is_editable:
        return denied(
            _("Diese Revision hat den Status „%(status)s“ und kann nicht mehr bearbeitet werden.")
            % {"status": agreement.get_status_display()}
        )
    if not is_partner_coordinator(user, agreement):
        return denied(_("Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution."))
    return ALLOWED


def can_amend(user, agreement) -> Verdict:
    """An amendment starts from a revision in force without a later one, by a partner's Koordination."""
    if agreement.status not in IN_FORCE:
        return denied(_("Eine Änderung beginnt an einer Vereinbarung, die in Kraft ist."))
    if agreement.successor_or_none() is not None:
        return denied(_("Für diese Revision wurde bereits eine Änderung begonnen."))
    if not is_partner_coordinator(user, agreement):
        return denied(_("Eine Änderung beginnt die Koordination einer Partnerinstitution."))
    return ALLOWED


def get_agreement_for(user, pk: int, write: bool = False, load=None):
    """Load an agreement the user may see; 404 outside, 403 for writes not allowed.

    `load` adds what the page reads (select_related/prefetch_related on a queryset) to the same query;
    the visibility is then a subquery, so the agreement's own row is not made DISTINCT.
    """
    if load is None:
        queryset = Agreement.objects.visible_to(user).select_related("coordinating_institution").filter(pk=pk)
    else:
        queryset = load(Agreement.objects.filter(pk__in=Agreement.objects.visible_to(user).filter(pk=pk).values("pk")))
    agreement = queryset.first()
    if agreement is None:
        raise Http404
    if write:
        require(can_edit_agreement(user, agreement))
    return agreement


# Working structure: subgroups' drafts stay inside their institution ---------------------


def subgroup_insider(user, subgroup) -> bool:
    """Users of the subgroup's institution(s) see its drafts; nobody else, not even a member who left."""
    own = institution_ids(user)
    if subgroup.institution_id:
        return subgroup.institution_id in own
    return Partner.objects.filter(
        agreement_id=subgroup.agreement_id, institution__arbeitsfeld_id=subgroup.arbeitsfeld_id, institution_id__in=own
    ).exists()


def can_answer(user, subgroup) -> Verdict:
    if not subgroup.members.filter(pk=user.pk).exists():
        return denied(_("Die Antworten schreiben die Mitglieder der Untergruppe."))
    if subgroup.agreement.status != Status.IN_ERARBEITUNG:
        return denied(
            _("Antworten werden erarbeitet, solange die Vereinbarung „In Erarbeitung“ ist (jetzt: %(status)s).")
            % {"status": subgroup.agreement.get_status_display()}
        )
    return ALLOWED


def get_subgroup_for(user, pk: int, drafts: bool = True):
    """Load a subgroup; with its drafts only for insiders, everyone else gets 404 (drafts are internal).

    Without drafts (its name and staffing) it loads for everyone who sees the agreement.
    """
    subgroup = (
        Subgroup.objects.select_related("agreement", "institution", "arbeitsfeld")
        .filter(pk=pk, agreement__in=Agreement.objects.visible_to(user).values("pk"))
        .first()
    )
    if subgroup is None or (drafts and not subgroup_insider(user, subgroup)):
        raise Http404
    return subgroup


def get_partner_for(user, agreement, partner_pk: int):
    """Load a partner of the agreement for users of that institution (internal clarification)."""
    partner = agreement.partners.select_related("institution").filter(pk=partner_pk).first()
    if partner is None or partner.institution_id not in institution_ids(user):
        raise Http404
    return partner


def can_edit_reflection(user, partner) -> Verdict:
    if not partner.agreement.is_editable:
        return denied(_("Die Vereinbarung ist eingefroren; die interne Klärung kann nicht mehr geändert werden."))
    if partner.institution_id not in institution_ids(user):
        return denied(_("Die interne Klärung schreibt die Institution selbst."))
    return ALLOWED


def can_decide(user, agreement, institution_id: int) -> Verdict:
    """Only a board representative of the partner decides for it, once per round."""
    if agreement.status != Status.IN_ABSTIMMUNG:
        return denied(_("Es läuft gerade keine Abstimmung."))
    seat = (
        BoardMember.objects.filter(agreement=agreement, institution_id=institution_id, user=user)
        .select_related("institution")
        .first()
    )
    if seat is None:
        return denied(_("Für eine Partnerinstitution entscheidet nur ihre Vertretung im Kooperationsgremium."))
    if institution_id not in institution_ids(user):
        return denied(
            _("Sie gehören nicht mehr zu „%(institution)s“ und können nicht mehr für sie entscheiden.")
            % {"institution": seat.institution.name}
        )
    return ALLOWED


# Signing and quality ----------------------------------------------------------------------


def deputy_institution_ids(user, on=None) -> set[int]:
    """Institutions the user signs for today as a named deputy (Vertretung, "i. V.")."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_deputy_institution_ids", None)
    if cached is None or on is not None:
        day = on or timezone.localdate()
        found = set(
            Deputy.objects.filter(user=user, valid_from__lte=day, valid_until__gte=day).values_list(
                "institution_id", flat=True
            )
        )
        if on is not None:
            return found
        cached = user._deputy_institution_ids = found
    return cached


def can_sign(user, agreement, institution) -> Verdict:
    """Only a partner's own Leitung (or its deputy) signs for it, once, while the revision waits for signatures."""
    if agreement.status != Status.ZUR_UNTERZEICHNUNG:
        return denied(
            _(
                "Unterschriften werden erfasst, solange die Vereinbarung „Zur Unterzeichnung“ vorliegt "
                "(jetzt: %(status)s)."
            )
            % {"status": agreement.get_status_display()}
        )
    if institution.pk not in partner_institution_ids(agreement):
        return denied(_("Diese Institution ist kein Partner der Vereinbarung."))
    if not has_role(user, institution.pk, Role.LEITUNG) and institution.pk not in deputy_institution_ids(user):
        return denied(_("Für „%(name)s“ unterzeichnet nur deren Leitung.") % {"name": institution.name})
    return ALLOWED


def can_record_paper_signature(user, agreement) -> Verdict:
    """The Koordination of the coordinating institution records signatures received on paper."""
    if agreement.status != Status.ZUR_UNTERZEICHNUNG:
        return denied(
            _(
                "Unterschriften werden erfasst, solange die Vereinbarung „Zur Unterzeichnung“ vorliegt "
                "(jetzt: %(status)s)."
            )
            % {"status": agreement.get_status_display()}
        )
    if not has_role(user, agreement.coordinating_institution_id, Role.KOORDINATION):
        return denied(_("Unterschriften auf Papier erfasst die Koordination der koordinierenden Institution."))
    return ALLOWED


def can_void_signature(user, signature) -> Verdict:
    """A wrongly recorded signature is voided (never deleted) by the coordinating Koordination or its recorder."""
    agreement = signature.agreement
    if signature.voided_at:
        return denied(_("Diese Unterschrift ist bereits ungültig."))
    if agreement.status != Status.ZUR_UNTERZEICHNUNG:
        return denied(_("Unterschriften können nur vor dem Inkrafttreten für ungültig erklärt werden."))
    if signature.recorded_by_id == user.pk or has_role(user, agreement.coordinating_institution_id, Role.KOORDINATION):
        return ALLOWED
    return denied(
        _(
            "Eine Unterschrift erklärt die Koordination der koordinierenden Institution für ungültig "
            "oder wer sie erfasst hat."
        )
    )


def can_name_deputy(user, institution_id: int) -> Verdict:
    if has_role(user, institution_id, Role.LEITUNG):
        return ALLOWED
    return denied(_("Eine Vertretung benennt die Leitung der Institution."))


def can_assess(user, assessment: SelfAssessment) -> Verdict:
    """The partner's board representative (or its Koordination) fills in its self-assessment."""
    if assessment.status == AssessmentStatus.SUBMITTED:
        return denied(_("Diese Selbsteinschätzung ist abgegeben und kann nicht mehr geändert werden."))
    agreement_id = assessment.dialogue.agreement_id
    is_board = BoardMember.objects.filter(
        agreement_id=agreement_id, institution_id=assessment.institution_id, user=user
    ).exists()
    if is_board or has_role(user, assessment.institution_id, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Die Selbsteinschätzung gibt die Vertretung der Institution im Kooperationsgremium ab."))


# Working together: Anlagen and comments on the text ----------------------------------------------


def is_partner_user(user, agreement) -> bool:
    """Any member of a partner institution (every role), not Administration as such."""
    return bool(institution_ids(user) & partner_institution_ids(agreement))


def can_add_attachment(user, agreement) -> Verdict:
    if agreement.status in (Status.BEENDET, Status.VERWORFEN):
        return denied(_("Einer beendeten oder verworfenen Vereinbarung werden keine Anlagen mehr hinzugefügt."))
    if not is_partner_user(user, agreement):
        return denied(_("Anlagen fügen die Mitglieder der Partnerinstitutionen hinzu."))
    return ALLOWED


def can_remove_attachment(user, attachment) -> Verdict:
    """Whoever uploaded it, or the Koordination of a partner institution; never a second time."""
    if attachment.is_removed:
        return denied(_("Diese Anlage ist bereits entfernt."))
    if attachment.uploaded_by_id == user.pk or is_partner_coordinator(user, attachment.agreement):
        return ALLOWED
    return denied(_("Eine Anlage entfernt, wer sie hochgeladen hat, oder die Koordination einer Partnerinstitution."))


def get_attachment_for(user, pk: int) -> AgreementAttachment:
    """An Anlage of an agreement the user sees; 404 otherwise (also once removed: its bytes are gone)."""
    attachment = (
        AgreementAttachment.objects.filter(pk=pk, agreement__in=Agreement.objects.visible_to(user).values("pk"))
        .select_related("agreement", "uploaded_by")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


COMMENT_STATUSES = (Status.ENTWURF, Status.IN_ERARBEITUNG, Status.IN_ABSTIMMUNG)


def can_comment(user, agreement) -> Verdict:
    """Partners' members comment while the text is worked on or voted on."""
    if agreement.status not in COMMENT_STATUSES:
        return denied(
            _("Kommentiert wird, solange die Vereinbarung erarbeitet oder abgestimmt wird (jetzt: %(status)s).")
            % {"status": agreement.get_status_display()}
        )
    if not is_partner_user(user, agreement):
        return denied(_("Kommentare schreiben die Mitglieder der Partnerinstitutionen."))
    return ALLOWED


def can_resolve_comment(user, comment) -> Verdict:
    """A thread is closed as erledigt by its author or a partner's Koordination."""
    verdict = can_comment(user, comment.agreement)
    if not verdict:
        return verdict
    if comment.parent_id is not None:
        return denied(_("Erledigt wird der ganze Gesprächsfaden, nicht eine einzelne Antwort."))
    if comment.resolved_at is not None:
        return denied(_("Dieser Kommentar ist bereits erledigt."))
    if comment.author_id == user.pk or is_partner_coordinator(user, comment.agreement):
        return ALLOWED
    return denied(_("Als erledigt markiert, wer den Kommentar geschrieben hat, oder die Koordination eines Partners."))


def get_comment_for(user, pk: int) -> SectionComment:
    comment = (
        SectionComment.objects.filter(pk=pk, agreement__in=Agreement.objects.visible_to(user).values("pk"))
        .select_related("agreement")
        .first()
    )
    if comment is None:
        raise Http404
    return comment
