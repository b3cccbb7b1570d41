"""Error kinds shared by every client and command."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """Why an exchange did not complete. Each is an outcome, never a traceback."""

    DNS = "dns"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CONNECT_TIMEOUT = "connect_timeout"
    TLS = "tls"
    RESET = "reset"
    READ_TIMEOUT = "read_timeout"
    TIMEOUT = "timeout"
    INCOMPLETE = "incomplete"
    LIMIT = "limit"
    CANCELLED = "cancelled"
    PROTOCOL = "protocol"
    INVALID_REQUEST = "invalid_request"
    OS = "os"


@dataclass(frozen=True, slots=True)
class ExchangeError:
    """An expected failure, kept inside the Exchange."""

    kind: ErrorKind
    """What went wrong, as a category."""
    message: str
    """One line for a person."""


class TransportError(Exception):
    """Raised inside ``net`` and ``compare`` only; turned into an ExchangeError at the seam."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def to_error(self) -> ExchangeError:
        """The value form of this error."""
        return ExchangeError(self.kind, self.message)


class InputError(Exception):
    """Bad input from the user (a file, an option): reported in one line."""
