"""Per-token rate limits: buckets, and a flood over real gRPC."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import pytest

from architect.gateway import RETRY_AFTER_KEY, GatewaySettings, RateLimiter
from architect.gateway.ratelimit import TokenBucket
from architect.v1 import admin_pb2, admin_pb2_grpc
from tests.gateway.conftest import ServerFactory, bearer

INFO = admin_pb2.GetServerInfoRequest()
BURST = 5


def test_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)  # one token every 0.5 s
    assert bucket.take(0.25) == pytest.approx(0.25)
    assert bucket.take(0.5) == 0.0
    assert bucket.take(100.0) == 0.0  # refills up to the burst, not beyond
    assert [bucket.take(100.0) for _ in range(3)][-1] > 0


def test_limiter_groups_first_match_and_reload_keeps_state(
    make_settings: Callable[..., GatewaySettings],
) -> None:
    now = [0.0]
    settings = make_settings(
        rate_limits={
            "groups": [
                {"name": "info", "methods": ["*/GetServerInfo"], "rate": 1, "burst": 2},
                {"name": "rest", "methods": ["*"], "rate": 100, "burst": 100},
            ]
        }
    )
    limiter = RateLimiter(settings, clock=lambda: now[0])
    info = limiter.group_for("/architect.v1.AdminService/GetServerInfo")
    other = limiter.group_for("/architect.v1.QueryService/ListQueries")
    assert info is not None and info.name == "info"
    assert other is not None and other.name == "rest"
    assert [limiter.check("a", info) for _ in range(3)][-1] > 0
    assert limiter.check("b", info) == 0.0  # another caller has its own bucket
    limiter.update(settings)  # same groups: bucket state survives the reload
    assert limiter.check("a", info) > 0
    limiter.update(make_settings(rate_limits={"enabled": False}))
    assert not limiter.enabled


async def test_flood_is_refused_while_other_tokens_are_served(
    start_server: ServerFactory,
    make_settings: Callable[..., GatewaySettings],
    tokens: dict[str, str],
) -> None:
    # A bucket that practically never refills, so the counts do not depend on timing.
    group = {"name": "info", "methods": ["*/GetServerInfo"], "rate": 0.001, "burst": BURST}
    settings = make_settings(rate_limits={"groups": [group]})
    async with start_server(settings) as srv:
        ch = srv.channel
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        flood = bearer(tokens["admin"])
        results = await asyncio.gather(
            *(stub.GetServerInfo(INFO, metadata=flood) for _ in range(40)),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert len(results) - len(refused) == BURST
        assert {e.code() for e in refused} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        first = refused[0]
        assert "retry after" in (first.details() or "")
        trailing = dict(first.trailing_metadata() or ())
        assert int(trailing[RETRY_AFTER_KEY]) > 0
        assert trailing["x-request-id"]
        # Another token is not affected by the flood.
        other = bearer(tokens["admin2"])
        for _ in range(BURST):
            resp = await stub.GetServerInfo(INFO, metadata=other)
            assert resp.version == "test"
        # Methods outside the group are not limited for the flooding token either.
        call = stub.GetConfigStatus(admin_pb2.GetConfigStatusRequest(), metadata=flood)
        await call
