"""The per-client rate limit of the faces that run queries: `/sparql` and `/api/…`.

`rate_limit` requests per client address (e.g. "120/minute", or several rates
such as "10/second;1000/day"), counted together across both faces, in fixed
windows (the `limits` package). Counters live in the memory of each web
process, so with N gunicorn workers a client may get up to N times the limit:
a bound on abuse, not an exact quota.

One `RateLimit` per app, asked by two callers, each answering a refusal in its
own face's format: the /sparql endpoint (`sparql.SparqlEndpoint`, text) and a
hook of the Flask app for /api/ (`security`, JSON).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from minami_kg.config import SettingsError

OFF = ("off", "none", "0")


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, and the headers that tell the client where it stands."""

    allowed: bool
    limit: str  # the rate in words, e.g. "120 per 1 minute"
    headers: tuple[tuple[str, str], ...]
    retry_after: int  # seconds until the window that decided ends

    def answer_headers(self) -> list[tuple[str, str]]:
        """The headers for the answer: where the client stands, and on a refusal when to retry."""
        if self.allowed:
            return list(self.headers)
        return [*self.headers, ("Retry-After", str(self.retry_after))]


class RateLimit:
    """Counts the requests of each client address against every rate of `rate`."""

    def __init__(self, rate: str) -> None:
        try:
            self.items: list[RateLimitItem] = parse_many(rate)
        except ValueError:
            raise SettingsError(
                f"MINAMI_KG_RATE_LIMIT={rate!r}: not a rate such as 120/minute or "
                "10/second;1000/day (or off)"
            ) from None
        self._counter = FixedWindowRateLimiter(MemoryStorage())

    @classmethod
    def from_setting(cls, rate: str) -> RateLimit | None:
        """The limit the setting asks for, or None when it says off."""
        rate = rate.strip()
        return None if rate.lower() in OFF else cls(rate)

    def hit(self, client: str) -> Verdict:
        """Count one request of `client` against each rate; refused once any rate is spent.

        The headers describe the rate that refused, or else the one with the
        fewest requests left.
        """
        allowed = True
        deciding: tuple[RateLimitItem, int, float] | None = None
        for item in self.items:
            allowed = self._counter.hit(item, client)
            reset_at, remaining = self._counter.get_window_stats(item, client)
            if not allowed or deciding is None or remaining < deciding[1]:
                deciding = (item, remaining, reset_at)
            if not allowed:
                break
        assert deciding is not None  # parse_many never returns an empty list
        item, remaining, reset_at = deciding
        retry_after = max(1, math.ceil(reset_at - time.time()))
        headers = (
            ("X-RateLimit-Limit", str(item.amount)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(int(reset_at))),
        )
        return Verdict(allowed, str(item), headers, retry_after)


def refusal_message(verdict: Verdict) -> str:
    return (
        f"Too many requests from your address: the limit is {verdict.limit} "
        "for /sparql and /api/ together. Wait for the number of seconds in Retry-After."
    )
