"""``architect.v1.AdminService``: configuration status, reload, validation; server facts.

Each RPC reads ``ConfigManager.current`` once and answers from that object, so an
answer is always consistent with a single version even while a reload swaps it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import grpc
from google.protobuf import any_pb2, struct_pb2, timestamp_pb2
from google.rpc import status_pb2

from architect import __version__, _native, errors
from architect.config import ConfigError, ConfigInvalid, LoadedConfig
from architect.config.loader import environments
from architect.config.manager import ConfigManager
from architect.config.model import FILES_BY_KEY
from architect.v1 import admin_pb2

#: Trailing metadata key that carries a serialized google.rpc.Status (gRPC rich errors).
STATUS_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class ServerFacts:
    """What GetServerInfo reports about this process."""

    database_url: str
    started_at: datetime
    listen_address: Callable[[], str]


def _timestamp(when: datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(when)
    return ts


def _errors(errs: Iterable[ConfigError]) -> list[admin_pb2.ConfigError]:
    return [
        admin_pb2.ConfigError(file=e.file, line=e.line, key_path=e.key_path, message=e.message)
        for e in errs
    ]


def _version_info(config: LoadedConfig) -> admin_pb2.ConfigVersionInfo:
    return admin_pb2.ConfigVersionInfo(
        version=config.version,
        loaded_at=_timestamp(config.loaded_at),
        env=config.env,
        config_dir=str(config.config_dir),
        files=list(config.files),
    )


def database_info(url: str) -> admin_pb2.DatabaseInfo:
    """The store's kind and location, with any password removed."""
    if url.startswith("sqlite:///"):
        return admin_pb2.DatabaseInfo(
            backend=admin_pb2.DATABASE_BACKEND_SQLITE, location=url.removeprefix("sqlite:///")
        )
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return admin_pb2.DatabaseInfo(
        backend=admin_pb2.DATABASE_BACKEND_POSTGRES,
        location=f"{user}{parts.hostname or ''}{port}{parts.path}",
    )


class AdminService:
    """Implementation of architect.v1.AdminService (served by architect.server.registry)."""

    def __init__(self, manager: ConfigManager, facts: ServerFacts):
        self._manager = manager
        self._facts = facts

    async def GetConfigStatus(
        self, request: admin_pb2.GetConfigStatusRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetConfigStatusResponse:
        status = self._manager.status()
        response = admin_pb2.GetConfigStatusResponse(
            active=_version_info(status.active), reload_count=status.reload_count
        )
        if status.last_rejected is not None:
            response.last_rejected.attempted_at.CopyFrom(
                _timestamp(status.last_rejected.attempted_at)
            )
            response.last_rejected.errors.extend(_errors(status.last_rejected.errors))
        return response

    async def ReloadConfig(
        self, request: admin_pb2.ReloadConfigRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.ReloadConfigResponse:
        result = await self._manager.reload("AdminService.ReloadConfig")
        if result.accepted:
            return admin_pb2.ReloadConfigResponse(changed=result.changed, version=result.version)
        # INVALID_ARGUMENT: the message lists the first errors, the details carry them all.
        message = str(ConfigInvalid(result.errors))
        detail = any_pb2.Any()
        detail.Pack(
            admin_pb2.ReloadConfigResponse(
                changed=False, version=result.version, errors=_errors(result.errors)
            )
        )
        rich = status_pb2.Status(
            code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message=message, details=[detail]
        )
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            message,
            trailing_metadata=((STATUS_DETAILS_KEY, rich.SerializeToString()),),
        )
        raise AssertionError("unreachable: abort raises")

    async def ValidateConfig(
        self, request: admin_pb2.ValidateConfigRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.ValidateConfigResponse:
        current = self._manager.current
        env = request.env if request.HasField("env") else current.env
        if env not in environments(current.config_dir):
            known = ", ".join(environments(current.config_dir)) or "none"
            raise errors.InvalidArgument(f"unknown environment {env!r} (known: {known})")
        try:
            loaded = await asyncio.to_thread(self._manager.validate, env, dict(request.files))
        except ConfigInvalid as exc:
            return admin_pb2.ValidateConfigResponse(valid=False, errors=_errors(exc.errors))
        return admin_pb2.ValidateConfigResponse(valid=True, version=loaded.version)

    async def GetEffectiveConfig(
        self, request: admin_pb2.GetEffectiveConfigRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetEffectiveConfigResponse:
        config = self._manager.current
        key = None
        if request.HasField("file"):
            key = request.file.removesuffix(".yaml")
            if key not in FILES_BY_KEY:
                raise errors.InvalidArgument(
                    f"unknown config file {request.file!r}; expected one of "
                    f"{', '.join(FILES_BY_KEY)}"
                )
        data = struct_pb2.Struct()
        data.update(config.as_data(key))
        return admin_pb2.GetEffectiveConfigResponse(version=config.version, config=data)

    async def GetServerInfo(
        self, request: admin_pb2.GetServerInfoRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetServerInfoResponse:
        info = database_info(self._facts.database_url)
        return admin_pb2.GetServerInfoResponse(
            version=__version__,
            database=info,
            started_at=_timestamp(self._facts.started_at),
            listen_address=self._facts.listen_address(),
            native_matcher=_native.NATIVE,
            # Leader election arrives with the PostgreSQL store; SQLite is always the leader.
            matcher_leader=info.backend == admin_pb2.DATABASE_BACKEND_SQLITE,
        )
