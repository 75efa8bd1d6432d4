class DomainError(Exception):
    """A refused operation; its message is German and shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
