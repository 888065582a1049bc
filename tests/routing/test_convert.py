"""Conversions to API messages agree with protobuf's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from google.protobuf import timestamp_pb2
from hypothesis import given
from hypothesis import strategies as st

from architect.routing import convert

aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(aware)
def test_timestamp_matches_from_datetime(when: datetime) -> None:
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(when)
    assert convert.timestamp(when) == expected


def test_timestamp_of_other_offsets_and_none() -> None:
    when = datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(when)
    assert convert.timestamp(when) == expected
    assert convert.timestamp(None) is None
