from agreements.models.accounts import Membership, Role, User
from agreements.models.agreement import EDITABLE_STATUSES, Agreement, Partner, Status, StatusChange
from agreements.models.catalogue import CatalogueEntry, CatalogueKind
from agreements.models.network import Arbeitsfeld, Contact, Institution, Leader, Offer
from agreements.models.sections import (
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    LegalBasis,
    Responsibility,
    TargetGroup,
    Term,
)

__all__ = [
    "EDITABLE_STATUSES",
    "Agreement",
    "Arbeitsfeld",
    "CatalogueEntry",
    "CatalogueKind",
    "CommunicationPath",
    "ConferenceRules",
    "Contact",
    "Criterion",
    "DataProtection",
    "DataSharingRule",
    "FlowPlan",
    "Goal",
    "Indicator",
    "Institution",
    "Leader",
    "LegalBasis",
    "Membership",
    "Offer",
    "Partner",
    "Responsibility",
    "Role",
    "Status",
    "StatusChange",
    "TargetGroup",
    "Term",
    "User",
]
