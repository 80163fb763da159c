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

    @property
    def content_hash(self) -> str:
        """Fingerprint of everything indexed, so a reindex can tell changed documents apart."""
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
