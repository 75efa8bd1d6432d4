"""State-changing operations: validate, write atomically, log, raise a DomainError with a German message."""
