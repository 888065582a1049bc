import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatabaseBackend(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATABASE_BACKEND_UNSPECIFIED: _ClassVar[DatabaseBackend]
    DATABASE_BACKEND_SQLITE: _ClassVar[DatabaseBackend]
    DATABASE_BACKEND_POSTGRES: _ClassVar[DatabaseBackend]
DATABASE_BACKEND_UNSPECIFIED: DatabaseBackend
DATABASE_BACKEND_SQLITE: DatabaseBackend
DATABASE_BACKEND_POSTGRES: DatabaseBackend

class ConfigVersionInfo(_message.Message):
    __slots__ = ("version", "loaded_at", "env", "config_dir", "files")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LOADED_AT_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    CONFIG_DIR_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    version: str
    loaded_at: _timestamp_pb2.Timestamp
    env: str
    config_dir: str
    files: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[str] = ..., loaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., env: _Optional[str] = ..., config_dir: _Optional[str] = ..., files: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfigError(_message.Message):
    __slots__ = ("file", "line", "key_path", "message")
    FILE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    file: str
    line: int
    key_path: str
    message: str
    def __init__(self, file: _Optional[str] = ..., line: _Optional[int] = ..., key_path: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class RejectedConfig(_message.Message):
    __slots__ = ("attempted_at", "errors")
    ATTEMPTED_AT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    attempted_at: _timestamp_pb2.Timestamp
    errors: _containers.RepeatedCompositeFieldContainer[ConfigError]
    def __init__(self, attempted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ConfigError, _Mapping]]] = ...) -> None: ...

class GetConfigStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConfigStatusResponse(_message.Message):
    __slots__ = ("active", "last_rejected", "reload_count")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    LAST_REJECTED_FIELD_NUMBER: _ClassVar[int]
    RELOAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    active: ConfigVersionInfo
    last_rejected: RejectedConfig
    reload_count: int
    def __init__(self, active: _Optional[_Union[ConfigVersionInfo, _Mapping]] = ..., last_rejected: _Optional[_Union[RejectedConfig, _Mapping]] = ..., reload_count: _Optional[int] = ...) -> None: ...

class ReloadConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadConfigResponse(_message.Message):
    __slots__ = ("changed", "version", "errors")
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    changed: bool
    version: str
    errors: _containers.RepeatedCompositeFieldContainer[ConfigError]
    def __init__(self, changed: _Optional[bool] = ..., version: _Optional[str] = ..., errors: _Optional[_Iterable[_Union[ConfigError, _Mapping]]] = ...) -> None: ...

class ValidateConfigRequest(_message.Message):
    __slots__ = ("env", "files")
    class FilesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ENV_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    env: str
    files: _containers.ScalarMap[str, str]
    def __init__(self, env: _Optional[str] = ..., files: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ValidateConfigResponse(_message.Message):
    __slots__ = ("valid", "version", "errors")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    version: str
    errors: _containers.RepeatedCompositeFieldContainer[ConfigError]
    def __init__(self, valid: _Optional[bool] = ..., version: _Optional[str] = ..., errors: _Optional[_Iterable[_Union[ConfigError, _Mapping]]] = ...) -> None: ...

class GetEffectiveConfigRequest(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: str
    def __init__(self, file: _Optional[str] = ...) -> None: ...

class GetEffectiveConfigResponse(_message.Message):
    __slots__ = ("version", "config")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    version: str
    config: _struct_pb2.Struct
    def __init__(self, version: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DatabaseInfo(_message.Message):
    __slots__ = ("backend", "location")
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    backend: DatabaseBackend
    location: str
    def __init__(self, backend: _Optional[_Union[DatabaseBackend, str]] = ..., location: _Optional[str] = ...) -> None: ...

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerInfoResponse(_message.Message):
    __slots__ = ("version", "database", "started_at", "listen_address", "native_matcher", "matcher_leader")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    LISTEN_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    NATIVE_MATCHER_FIELD_NUMBER: _ClassVar[int]
    MATCHER_LEADER_FIELD_NUMBER: _ClassVar[int]
    version: str
    database: DatabaseInfo
    started_at: _timestamp_pb2.Timestamp
    listen_address: str
    native_matcher: bool
    matcher_leader: bool
    def __init__(self, version: _Optional[str] = ..., database: _Optional[_Union[DatabaseInfo, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., listen_address: _Optional[str] = ..., native_matcher: _Optional[bool] = ..., matcher_leader: _Optional[bool] = ...) -> None: ...
