"""Builds gRPC handlers for the architect.v1 services from their descriptors.

Each service is served by one implementation object whose coroutine methods
are named like the RPCs (``SubmitTask``) and take ``(request, context)``. An
RPC the implementation does not define answers UNIMPLEMENTED with a message
that names the RPC and the work that will build it, instead of gRPC's bare
"Method not implemented!". Domain errors raised by an implementation are
turned into their status code here, in one place.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import descriptor as _descriptor
from google.protobuf import message_factory

from architect import errors
from architect.server.status import status_code_for
from architect.v1 import admin_pb2, query_pb2, routing_pb2, sla_pb2, workflow_pb2

log = logging.getLogger(__name__)

#: The five public services, by full name, with the file that declares each.
SERVICES: dict[str, _descriptor.ServiceDescriptor] = {
    d.full_name: d
    for d in (
        routing_pb2.DESCRIPTOR.services_by_name["RoutingService"],
        query_pb2.DESCRIPTOR.services_by_name["QueryService"],
        sla_pb2.DESCRIPTOR.services_by_name["SLAService"],
        workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"],
        admin_pb2.DESCRIPTOR.services_by_name["AdminService"],
    )
}

#: What is still to be built behind a service, quoted in its UNIMPLEMENTED answers.
PLANNED: dict[str, str] = {
    "architect.v1.SLAService": "SLA tracking from sla_rules.yaml (warnings, breaches, escalations)",
    "architect.v1.WorkflowService": "multi-step workflows from workflows.yaml",
}


def _unimplemented_message(method: _descriptor.MethodDescriptor) -> str:
    service = method.containing_service.full_name
    return (
        f"{service}/{method.name} is part of the architect.v1 API but is not implemented "
        f"in this release; it arrives with {PLANNED.get(service, 'a later release')}"
    )


async def _abort_for(context: grpc.aio.ServicerContext, exc: errors.ArchitectError) -> None:
    await context.abort(status_code_for(exc), str(exc))


def _wrap_unary(fn: Callable[..., Any]) -> Callable[..., Any]:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await fn(request, context)
        except errors.ArchitectError as exc:
            await _abort_for(context, exc)

    return handler


def _wrap_stream(fn: Callable[..., Any]) -> Callable[..., Any]:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        try:
            async for item in fn(request, context):
                yield item
        except errors.ArchitectError as exc:
            await _abort_for(context, exc)

    return handler


def _unimplemented(method: _descriptor.MethodDescriptor) -> Callable[..., Any]:
    message = _unimplemented_message(method)

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    return handler


def generic_handler(
    service: _descriptor.ServiceDescriptor, impl: object | None
) -> grpc.GenericRpcHandler:
    """A handler serving ``service`` with the methods ``impl`` defines."""
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for method in service.methods:
        req_cls = message_factory.GetMessageClass(method.input_type)
        resp_cls = message_factory.GetMessageClass(method.output_type)
        fn = getattr(impl, method.name, None) if impl is not None else None
        streaming_out = method.server_streaming
        if fn is None:
            behaviour = _unimplemented(method)
        elif streaming_out:
            behaviour = _wrap_stream(fn)
        else:
            behaviour = _wrap_unary(fn)
        if method.client_streaming and streaming_out:
            factory = grpc.stream_stream_rpc_method_handler
        elif method.client_streaming:
            factory = grpc.stream_unary_rpc_method_handler
        elif streaming_out:
            factory = grpc.unary_stream_rpc_method_handler
        else:
            factory = grpc.unary_unary_rpc_method_handler
        handlers[method.name] = factory(
            behaviour,
            request_deserializer=req_cls.FromString,
            response_serializer=resp_cls.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)
