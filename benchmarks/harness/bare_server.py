"""A bare grpc.aio server on uvloop: one method, empty handler, no interceptors.

The baseline for "what does a Python gRPC server cost on this machine": Architect's
cheapest RPC is reported as a ratio of this server's calls per second.
Usage: python bare_server.py /package.Service/Method
"""

from __future__ import annotations

import sys

import grpc
import uvloop


async def main(method: str) -> None:
    service, name = method.strip("/").rsplit("/", 1)

    async def handler(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return b""

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                service, {name: grpc.unary_unary_rpc_method_handler(handler)}
            )
        ]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"bare server on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1]))
