from agreements.models.accounts import Membership, Role, User
from agreements.models.network import Arbeitsfeld, Contact, Institution, Leader, Offer

__all__ = ["Arbeitsfeld", "Contact", "Institution", "Leader", "Membership", "Offer", "Role", "User"]
