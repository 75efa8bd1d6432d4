from kooperation.network.models.accounts import Membership, Role, User
from kooperation.network.models.institutions import Arbeitsfeld, Contact, Institution, Leader, Offer
from kooperation.network.models.invitations import Invitation
from kooperation.network.models.security import SecurityEvent

__all__ = [
    "Arbeitsfeld",
    "Contact",
    "Institution",
    "Invitation",
    "Leader",
    "Membership",
    "Offer",
    "Role",
    "SecurityEvent",
    "User",
]
