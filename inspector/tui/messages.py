"""Messages the app receives from its workers (past tense)."""

from __future__ import annotations

from textual.message import Message

from inspector.model import Exchange


class ExchangeFinished(Message):
    """A send worker finished; the exchange holds its outcome, failures included."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__()
        self.exchange = exchange
