"""What a channel may report besides success."""


class TransientSendError(Exception):
    """Worth trying again later (the server was down, the connection failed)."""


class PermanentSendError(Exception):
    """Trying again will not help (no address, a refused recipient)."""


class NothingToSend(Exception):
    """The channel has nowhere to send this (no email address, no device, push not configured)."""
