"""The rate limit's counting, apart from the faces that ask it (tests/test_limits.py)."""

from __future__ import annotations

import time

import pytest

from minami_kg.config import SettingsError
from minami_kg.server.rate_limit import RateLimit


def test_each_client_is_counted_apart_and_refused_once_its_rate_is_spent() -> None:
    limit = RateLimit("3/minute")
    verdicts = [limit.hit("203.0.113.7") for _ in range(5)]

    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [dict(v.headers)["X-RateLimit-Remaining"] for v in verdicts] == ["2", "1", "0", "0", "0"]
    assert {dict(v.headers)["X-RateLimit-Limit"] for v in verdicts} == {"3"}
    assert verdicts[3].limit == "3 per 1 minute"
    assert 0 < verdicts[3].retry_after <= 60
    reset = int(dict(verdicts[3].headers)["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    assert limit.hit("198.51.100.2").allowed


def test_with_several_rates_the_tightest_one_speaks_and_any_one_refuses() -> None:
    limit = RateLimit("2/second;3/day")
    first, second = limit.hit("a"), limit.hit("a")
    time.sleep(1.05)  # a new second; the day's count goes on
    third, fourth = limit.hit("a"), limit.hit("a")

    assert dict(first.headers)["X-RateLimit-Limit"] == "2"  # 1 left of 2, 2 left of 3
    assert dict(second.headers)["X-RateLimit-Remaining"] == "0"
    assert third.allowed and dict(third.headers)["X-RateLimit-Limit"] == "3"
    assert not fourth.allowed and fourth.limit == "3 per 1 day"


@pytest.mark.parametrize("setting", ["off", "OFF", " none ", "0"])
def test_off_means_no_limit(setting: str) -> None:
    assert RateLimit.from_setting(setting) is None


def test_a_rate_that_cannot_be_read_names_the_setting() -> None:
    with pytest.raises(SettingsError, match="MINAMI_KG_RATE_LIMIT='lots'"):
        RateLimit.from_setting("lots")
