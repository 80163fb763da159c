"""The one document type every loader produces and the index stores."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A news item or speech: the text as written plus its metadata."""

    id: str
    title: str
    body: str
    date: dt.date | None = None
    source: str | None = None
    category: str | None = None
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    # The record as read, before its markup was cleaned (JSON records): a reindex compares it
    # before cleaning, so an unchanged record costs no parsing of its markup.
    fingerprint: str = ""

    @property
    def content_hash(self) -> str:
        """Fingerprint of everything indexed, so a reindex can tell changed documents apart."""
        if self.fingerprint:
            return self.fingerprint
        payload = json.dumps(
            [
                self.title,
                self.body,
                self.date.isoformat() if self.date else None,
                self.source,
                self.category,
                self.url,
                self.metadata,
            ],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()
