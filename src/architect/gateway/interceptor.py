"""The gateway interceptor: every policy in front of every RPC, in one wrapper.

One interceptor rather than a chain of five: each ``grpc.aio`` interceptor layer costs an
extra continuation await and a handler object per call, and all the policies need the same
per-call facts (method, metadata, request id). For each call the wrapper

1. takes the request id from ``x-request-id`` metadata or makes one, puts it in the logging
   context (:data:`architect.logs.call_context`) and in the trailing metadata;
2. authenticates and authorises the caller (public services such as health skip this and the
   rate limit), then takes a token from its rate-limit bucket;
3. runs the handler, under a server-side deadline when a unary call came without one;
4. masks unexpected exceptions: the client gets INTERNAL with the request id and a generic
   message, the log gets the traceback;
5. records metrics (in flight, latency and count by status code) and, when on, a trace span.

Wrapped handlers are cached per method, so the wrapping itself is done once per method.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from architect import errors
from architect.gateway import tracing
from architect.gateway.auth import Authenticator
from architect.gateway.deadline import DeadlineCap
from architect.gateway.metrics import Metrics
from architect.gateway.ratelimit import RateLimiter
from architect.logs import call_context
from architect.server.status import status_code_for

log = logging.getLogger(__name__)

#: Metadata key carrying the request id, both ways.
REQUEST_ID_KEY = "x-request-id"
#: Trailing metadata key with the milliseconds to wait after RESOURCE_EXHAUSTED.
RETRY_AFTER_KEY = "retry-after-ms"

# A client-chosen request id is kept only if it is short and plain, so it cannot forge log
# lines or bloat them.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_Behaviour = Callable[..., Any]


class RateLimited(errors.ResourceExhausted):
    """A caller went over its rate limit."""

    def __init__(self, group: str, retry_after: float):
        self.retry_after_ms = max(1, int(retry_after * 1000 + 0.999))
        super().__init__(
            f"rate limit of group {group!r} exceeded for this token; "
            f"retry after {self.retry_after_ms} ms"
        )


class ServerDeadline(errors.DeadlineExceeded):
    """A unary call sent without a deadline ran past the server's cap."""


class GatewayInterceptor(grpc.aio.ServerInterceptor):
    """Authentication, rate limits, deadlines, error masking, request ids, metrics, tracing."""

    def __init__(
        self,
        auth: Authenticator,
        limiter: RateLimiter,
        metrics: Metrics,
        unary_timeout: float,
    ):
        self.auth = auth
        self.limiter = limiter
        self.metrics = metrics
        #: Server-side deadline for unary calls sent without one (``cap.seconds`` reloads).
        self.cap = DeadlineCap(unary_timeout)
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}
        # Request ids: a random per-process prefix and a counter; unique, and far cheaper per
        # call than a uuid4.
        self._id_prefix = secrets.token_hex(4) + "-"
        self._ids = itertools.count(1)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: gRPC answers UNIMPLEMENTED itself
            return handler
        path: str = handler_call_details.method
        cached = self._wrapped.get(path)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(path, handler)
        self._wrapped[path] = (handler, wrapped)
        return wrapped

    # -- wrapping ------------------------------------------------------------------------------

    def _wrap(self, path: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.request_streaming and handler.response_streaming:
            inner, factory = handler.stream_stream, grpc.stream_stream_rpc_method_handler
        elif handler.request_streaming:
            inner, factory = handler.stream_unary, grpc.stream_unary_rpc_method_handler
        elif handler.response_streaming:
            inner, factory = handler.unary_stream, grpc.unary_stream_rpc_method_handler
        else:
            inner, factory = handler.unary_unary, grpc.unary_unary_rpc_method_handler
        behaviour: _Behaviour
        if inspect.isasyncgenfunction(inner):
            behaviour = self._wrap_generator(path, inner)
        elif inspect.iscoroutinefunction(inner):
            # Unary calls get the server-side deadline; streaming calls (a coroutine writing
            # with context.write) are long-lived by design and exempt.
            behaviour = self._wrap_coroutine(path, inner, capped=not handler.response_streaming)
        else:  # a synchronous handler: not used by Architect's services; leave it alone
            return handler
        return factory(
            behaviour,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _wrap_coroutine(self, path: str, inner: _Behaviour, capped: bool) -> _Behaviour:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:
            request_id, authorization = self._begin(path, context)
            span = tracing.rpc_span(path, request_id)
            if span is not None:
                with span:
                    return await self._call(
                        path, inner, request, context, request_id, authorization, capped
                    )
            return await self._call(
                path, inner, request, context, request_id, authorization, capped
            )

        return behaviour

    def _wrap_generator(self, path: str, inner: _Behaviour) -> _Behaviour:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            request_id, authorization = self._begin(path, context)
            flight = self.metrics.in_flight(path)
            flight[0] += 1
            started = time.perf_counter()
            code = "OK"
            try:
                self._admit(path, authorization)
                async for item in inner(request, context):
                    yield item
            except grpc.aio.AbortError:
                code = _code_name(context)
                raise
            except asyncio.CancelledError:
                code = "CANCELLED"
                raise
            except Exception as exc:
                status, message, trailing = self._failure(exc, request_id)
                code = status.name
                await context.abort(status, message, trailing)
            finally:
                flight[0] -= 1
                self.metrics.observe(path, code, time.perf_counter() - started)

        return behaviour

    # -- per call ------------------------------------------------------------------------------

    def _begin(self, path: str, context: grpc.aio.ServicerContext) -> tuple[str, str | None]:
        """Fix the call's request id and make it reach logs and the client; return it and the
        ``authorization`` metadata (read in the same pass: fetching metadata costs a copy)."""
        request_id = authorization = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                authorization = value if isinstance(value, str) else None
            elif (
                key == REQUEST_ID_KEY
                and isinstance(value, str)
                and _CLIENT_REQUEST_ID.fullmatch(value)
            ):
                request_id = value
        if request_id is None:
            request_id = f"{self._id_prefix}{next(self._ids):x}"
        # Each gRPC call runs in its own asyncio task (with its own copy of the context), so
        # this value is the call's alone and disappears with the task; no reset is needed.
        call_context.set((request_id, path))
        # Set now, so that aborts (ours or the handler's) carry it too. A handler that sets its
        # own trailing metadata replaces this; ours do not.
        context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
        return request_id, authorization

    def _admit(self, path: str, authorization: str | None) -> None:
        """Raise a domain error unless the caller may make this call now."""
        access = self.auth.access(path)
        if access.public:
            return
        principal = self.auth.authenticate(authorization)
        self.auth.authorize(principal, path, access)
        if not self.limiter.enabled:
            return
        group = self.limiter.group_for(path)
        if group is not None:
            retry_after = self.limiter.check(principal.name, group)
            if retry_after:
                self.metrics.rate_limited(group.name)
                raise RateLimited(group.name, retry_after)

    async def _call(
        self,
        path: str,
        inner: _Behaviour,
        request: Any,
        context: grpc.aio.ServicerContext,
        request_id: str,
        authorization: str | None,
        capped: bool,
    ) -> Any:
        flight = self.metrics.in_flight(path)
        flight[0] += 1
        started = time.perf_counter()
        code = "OK"
        try:
            self._admit(path, authorization)
            if capped and context.time_remaining() is None:
                return await self._with_cap(inner, request, context)
            return await inner(request, context)
        except grpc.aio.AbortError:
            code = _code_name(context)
            raise
        except asyncio.CancelledError:
            code = "CANCELLED"
            raise
        except Exception as exc:
            status, message, trailing = self._failure(exc, request_id)
            code = status.name
            await context.abort(status, message, trailing)
        finally:
            flight[0] -= 1
            self.metrics.observe(path, code, time.perf_counter() - started)

    async def _with_cap(
        self, inner: _Behaviour, request: Any, context: grpc.aio.ServicerContext
    ) -> Any:
        task = self.cap.enter()
        try:
            return await inner(request, context)
        except asyncio.CancelledError:
            if not self.cap.expired(task):
                raise
            task.uncancel()  # the cancellation was ours; the call goes on to answer
            raise ServerDeadline(
                f"the call sent no deadline and ran past the server's cap of "
                f"{self.cap.seconds:g}s; send a deadline (timeout) with the call"
            ) from None
        finally:
            self.cap.leave(task)

    def _failure(
        self, exc: Exception, request_id: str
    ) -> tuple[grpc.StatusCode, str, tuple[tuple[str, str], ...]]:
        """The status, message and trailing metadata a failed call answers with."""
        trailing: tuple[tuple[str, str], ...] = ((REQUEST_ID_KEY, request_id),)
        if isinstance(exc, errors.ArchitectError):
            if isinstance(exc, RateLimited):
                trailing = (*trailing, (RETRY_AFTER_KEY, str(exc.retry_after_ms)))
            return status_code_for(exc), str(exc), trailing
        # The detail goes to the log (the request id is on the line), never to the client.
        log.error("unexpected error, answered INTERNAL", exc_info=exc)
        return (
            grpc.StatusCode.INTERNAL,
            f"internal error; the server log has the details under request id {request_id}",
            trailing,
        )


def _code_name(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
