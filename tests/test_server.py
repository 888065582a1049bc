"""The server over real gRPC: health, reflection, UNIMPLEMENTED answers, shutdown."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from architect import errors
from architect.server.app import ArchitectServer, ServerOptions
from architect.store import NewTask
from architect.v1 import sla_pb2, sla_pb2_grpc

SERVICES = {
    "architect.v1.RoutingService",
    "architect.v1.QueryService",
    "architect.v1.SLAService",
    "architect.v1.WorkflowService",
    "architect.v1.AdminService",
}


@pytest.mark.parametrize("service", ["", *sorted(SERVICES)])
async def test_health_serving(channel: grpc.aio.Channel, service: str) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    resp = await stub.Check(health_pb2.HealthCheckRequest(service=service))
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_unknown_service_not_found(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def _reflect(channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([request]))
    return [resp async for resp in call]


async def test_reflection_lists_the_five_services(channel: grpc.aio.Channel) -> None:
    (resp,) = await _reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in resp.list_services_response.service}
    assert names >= SERVICES
    assert "grpc.health.v1.Health" in names


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_reflection_describes_each_service(channel: grpc.aio.Channel, service: str) -> None:
    (resp,) = await _reflect(
        channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=service)
    )
    assert resp.HasField("file_descriptor_response"), resp
    assert resp.file_descriptor_response.file_descriptor_proto


async def test_unimplemented_rpc_says_so(channel: grpc.aio.Channel) -> None:
    stub = sla_pb2_grpc.SLAServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetSLAStatus(sla_pb2.GetSLAStatusRequest())
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    details = err.value.details() or ""
    assert "architect.v1.SLAService/GetSLAStatus" in details
    assert "not implemented" in details


async def test_stop_turns_not_serving_then_refuses(server: ArchitectServer) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""))
        first = await watch.read()
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        stopping = __import__("asyncio").ensure_future(server.stop(1.0))
        second = await watch.read()
        assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_server_opens_and_migrates_its_store(server: ArchitectServer) -> None:
    assert server.store is not None
    assert (await server.store.migration_status()).pending == ()
    await server.store.insert_tasks([NewTask(type="shell")])


async def test_server_closes_its_store_on_stop(server_options: ServerOptions) -> None:
    srv = ArchitectServer(server_options)
    await srv.start()
    store = srv.store
    assert store is not None
    await srv.stop(0)
    assert srv.store is None
    with pytest.raises(errors.Unavailable):
        await store.insert_tasks([NewTask(type="shell")])
