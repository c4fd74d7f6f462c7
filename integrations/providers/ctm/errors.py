"""What can go wrong talking to CTM, as types the rest of the service can act on."""


class CtmError(Exception):
    """Base for every CTM failure."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class CtmUnauthorized(CtmError):
    """401/403: the credentials are no longer accepted."""


class CtmInvalidCredentials(CtmError):
    """`POST /authentication` refused the username or password."""


class CtmNotFound(CtmError):
    """404: the object does not exist (or is not visible to these credentials)."""


class CtmBadRequest(CtmError):
    """400/422: CTM refused the request's parameters."""


class CtmRateLimited(CtmError):
    """429 after our retries; `retry_after` is CTM's advice in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message, status=429)
        self.retry_after = retry_after


class CtmServerError(CtmError):
    """5xx after our retries, or a response that is not the JSON CTM promises."""


class CtmTimeout(CtmError):
    """CTM did not answer in time."""


class CtmConnectionError(CtmError):
    """CTM could not be reached at all."""


class CtmKeyInvalidated(CtmError):
    """Our stored key is marked invalidated (CTM refused it before): the user must reconnect."""


class CtmNoNumberAvailable(CtmBadRequest):
    """A number search at CTM found nothing to buy."""
