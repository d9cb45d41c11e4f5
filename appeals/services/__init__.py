"""Writes: every state change of the domain goes through a function here (`<noun>_<verb>`)."""


class ServiceError(Exception):
    """A rule refused the change; the message is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class InvalidTransition(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="invalid_transition")


class StaleVersion(ServiceError):
    """Someone else saved first; the caller shows the other change instead of overwriting it."""

    def __init__(
        self, message: str = "Someone else saved this in the meantime. Review their change, then save again."
    ) -> None:
        super().__init__(message, code="stale")


class PermissionRefused(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="forbidden")
