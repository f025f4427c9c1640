"""What a read model says when it cannot answer: plain exceptions, in two languages.

The app's one error handler (`http`) answers them in the asker's language: a
`LookupError` (nothing of that name) is a 404, a `ValueError` (a name that is
malformed, or a document that no longer reads) a 400 or, for `Unreadable`, a 409.
"""

from __future__ import annotations


class Refusal(Exception):
    """A message in Japanese and in English."""

    def __init__(self, ja: str, en: str | None = None) -> None:
        super().__init__(en or ja)
        self.ja = ja
        self.en = en or ja

    @property
    def status(self) -> int:
        if isinstance(self, LookupError):
            return 404
        return 409 if isinstance(self, Unreadable) else 400


class Malformed(Refusal, ValueError):
    """A key that does not have the shape it must have."""


class Unknown(Refusal, LookupError):
    """A well-formed key that names nothing in the graph."""


class Unreadable(Refusal, ValueError):
    """A document that changed since the build and no longer reads."""
