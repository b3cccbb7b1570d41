"""Messages the app receives from its workers (past tense)."""

from __future__ import annotations

from textual.message import Message

from inspector.compare.diff import Comparison
from inspector.compare.exchange_diff import ExchangeDiff
from inspector.model import Exchange
from inspector.store.env import Environments
from inspector.store.history import HistoryEntry
from inspector.tui.sidebar import ListedFile


class ExchangeFinished(Message):
    """A send worker finished; the exchange holds its outcome, failures included."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__()
        self.exchange = exchange


class ComparisonFinished(Message):
    """The compare worker finished: every engine's exchange and both diffs of them."""

    def __init__(
        self, exchanges: tuple[Exchange, ...], byte_diff: Comparison, structural: Comparison
    ) -> None:
        super().__init__()
        self.exchanges = exchanges
        """Ours first, then http.client and httpx."""
        self.byte_diff = byte_diff
        self.structural = structural


class DiffFinished(Message):
    """The diff worker finished comparing exchange B with exchange A."""

    def __init__(self, a: Exchange, b: Exchange, diff: ExchangeDiff) -> None:
        super().__init__()
        self.a = a
        self.b = b
        self.diff = diff


class CollectionScanned(Message):
    """The collection worker listed and read every saved-request file and the environments."""

    def __init__(self, listing: list[ListedFile], environments: Environments | None) -> None:
        super().__init__()
        self.listing = listing
        self.environments = environments


class HistoryStored(Message):
    """A history worker stored an exchange (``entry_id``), or failed (``error``)."""

    def __init__(self, entry_id: int | None, error: str | None = None) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.error = error


class HistoryListed(Message):
    """A history worker read one page of entries for a search."""

    def __init__(self, query: str, offset: int, entries: list[HistoryEntry], total: int) -> None:
        super().__init__()
        self.query = query
        self.offset = offset
        self.entries = entries
        self.total = total


class HistoryLoaded(Message):
    """A history worker rebuilt entries (one to open, two to diff), or failed."""

    def __init__(self, purpose: str, exchanges: list[Exchange], error: str | None = None) -> None:
        super().__init__()
        self.purpose = purpose
        """``open`` or ``diff``."""
        self.exchanges = exchanges
        self.error = error


class ImportFinished(Message):
    """The import worker added a file to the collection (``rel``), or failed (``error``)."""

    def __init__(self, rel: str | None, count: int, error: str | None = None) -> None:
        super().__init__()
        self.rel = rel
        self.count = count
        self.error = error
