"""Signals the agreements app sends; higher layers (conferences) connect to them in AppConfig.ready().

revision_in_force: a revision that amends an earlier one came into force. Arguments: agreement (the new
revision), predecessor (the revision it replaces), user (who caused it; None for the daily job). Receivers
move their open work (cases, planned conferences, tasks) to the new revision.
"""

from django.dispatch import Signal

revision_in_force = Signal()
