"""Read-only views of Anlagen and comment threads of an agreement."""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch

from agreements.models import Agreement, AgreementAttachment, SectionComment
from agreements.queries.sections import SECTIONS, SECTIONS_BY_KEY


def attachments_of(agreement: Agreement) -> list[AgreementAttachment]:
    """Every Anlage, removed ones too (with who removed them and why), newest first."""
    return list(AgreementAttachment.objects.filter(agreement=agreement).select_related("uploaded_by", "removed_by"))


def contract_attachments(agreement: Agreement) -> list[AgreementAttachment]:
    """The Anlagen the contract lists."""
    return list(
        AgreementAttachment.objects.filter(agreement=agreement, in_contract=True, removed_at__isnull=True).order_by(
            "uploaded_at", "pk"
        )
    )


def open_comment_counts(agreement: Agreement) -> dict[str, int]:
    """Open threads per section key (one query)."""
    keys = SectionComment.objects.filter(
        agreement=agreement, parent__isnull=True, resolved_at__isnull=True
    ).values_list("section", flat=True)
    return dict(Counter(keys))


def threads(agreement: Agreement, section: str) -> list[SectionComment]:
    """The section's threads, open ones first, each with its replies and the mentioned people."""
    return list(
        SectionComment.objects.filter(agreement=agreement, section=section, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(
            "mentioned",
            Prefetch("replies", queryset=SectionComment.objects.select_related("author").prefetch_related("mentioned")),
        )
        .order_by("resolved_at", "created_at", "pk")
    )


def open_threads_by_section(agreement: Agreement) -> list[tuple[object, list[SectionComment]]]:
    """Unresolved threads grouped by section in the order of the text (for the approval round)."""
    open_threads = (
        SectionComment.objects.filter(agreement=agreement, parent__isnull=True, resolved_at__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    grouped: dict[str, list[SectionComment]] = {}
    for comment in open_threads:
        grouped.setdefault(comment.section, []).append(comment)
    return [(section, grouped[section.key]) for section in SECTIONS if section.key in grouped] + [
        (None, items) for key, items in grouped.items() if key not in SECTIONS_BY_KEY
    ]
