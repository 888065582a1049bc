import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SLAState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_STATE_UNSPECIFIED: _ClassVar[SLAState]
    SLA_STATE_ON_TRACK: _ClassVar[SLAState]
    SLA_STATE_WARNING: _ClassVar[SLAState]
    SLA_STATE_BREACHED: _ClassVar[SLAState]
    SLA_STATE_MET: _ClassVar[SLAState]
    SLA_STATE_MISSED: _ClassVar[SLAState]

class SLAEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_EVENT_KIND_UNSPECIFIED: _ClassVar[SLAEventKind]
    SLA_EVENT_KIND_WARNING: _ClassVar[SLAEventKind]
    SLA_EVENT_KIND_BREACH: _ClassVar[SLAEventKind]
    SLA_EVENT_KIND_ESCALATION: _ClassVar[SLAEventKind]
    SLA_EVENT_KIND_NOTIFICATION: _ClassVar[SLAEventKind]
SLA_STATE_UNSPECIFIED: SLAState
SLA_STATE_ON_TRACK: SLAState
SLA_STATE_WARNING: SLAState
SLA_STATE_BREACHED: SLAState
SLA_STATE_MET: SLAState
SLA_STATE_MISSED: SLAState
SLA_EVENT_KIND_UNSPECIFIED: SLAEventKind
SLA_EVENT_KIND_WARNING: SLAEventKind
SLA_EVENT_KIND_BREACH: SLAEventKind
SLA_EVENT_KIND_ESCALATION: SLAEventKind
SLA_EVENT_KIND_NOTIFICATION: SLAEventKind

class SLATypeStatus(_message.Message):
    __slots__ = ("task_type", "target", "warning_percent", "open_tasks", "warning_count", "breached_count", "oldest_open_age")
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    WARNING_PERCENT_FIELD_NUMBER: _ClassVar[int]
    OPEN_TASKS_FIELD_NUMBER: _ClassVar[int]
    WARNING_COUNT_FIELD_NUMBER: _ClassVar[int]
    BREACHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    OLDEST_OPEN_AGE_FIELD_NUMBER: _ClassVar[int]
    task_type: str
    target: _duration_pb2.Duration
    warning_percent: int
    open_tasks: int
    warning_count: int
    breached_count: int
    oldest_open_age: _duration_pb2.Duration
    def __init__(self, task_type: _Optional[str] = ..., target: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., warning_percent: _Optional[int] = ..., open_tasks: _Optional[int] = ..., warning_count: _Optional[int] = ..., breached_count: _Optional[int] = ..., oldest_open_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetSLAStatusRequest(_message.Message):
    __slots__ = ("task_type",)
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    task_type: str
    def __init__(self, task_type: _Optional[str] = ...) -> None: ...

class GetSLAStatusResponse(_message.Message):
    __slots__ = ("statuses", "config_version", "evaluated_at")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CONFIG_VERSION_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[SLATypeStatus]
    config_version: str
    evaluated_at: _timestamp_pb2.Timestamp
    def __init__(self, statuses: _Optional[_Iterable[_Union[SLATypeStatus, _Mapping]]] = ..., config_version: _Optional[str] = ..., evaluated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskSLA(_message.Message):
    __slots__ = ("task_id", "task_type", "deadline", "warning_at", "state", "escalation_level", "config_version")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    WARNING_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONFIG_VERSION_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    task_type: str
    deadline: _timestamp_pb2.Timestamp
    warning_at: _timestamp_pb2.Timestamp
    state: SLAState
    escalation_level: int
    config_version: str
    def __init__(self, task_id: _Optional[str] = ..., task_type: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., warning_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[SLAState, str]] = ..., escalation_level: _Optional[int] = ..., config_version: _Optional[str] = ...) -> None: ...

class GetTaskSLARequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class GetTaskSLAResponse(_message.Message):
    __slots__ = ("sla",)
    SLA_FIELD_NUMBER: _ClassVar[int]
    sla: TaskSLA
    def __init__(self, sla: _Optional[_Union[TaskSLA, _Mapping]] = ...) -> None: ...

class SLAEvent(_message.Message):
    __slots__ = ("id", "kind", "task_id", "task_type", "occurred_at", "escalation_level", "channel", "message", "config_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: SLAEventKind
    task_id: str
    task_type: str
    occurred_at: _timestamp_pb2.Timestamp
    escalation_level: int
    channel: str
    message: str
    config_version: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[SLAEventKind, str]] = ..., task_id: _Optional[str] = ..., task_type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., escalation_level: _Optional[int] = ..., channel: _Optional[str] = ..., message: _Optional[str] = ..., config_version: _Optional[str] = ...) -> None: ...

class ListSLAEventsRequest(_message.Message):
    __slots__ = ("task_type", "task_id", "kinds", "since", "page_size", "page_token")
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    task_type: str
    task_id: str
    kinds: _containers.RepeatedScalarFieldContainer[SLAEventKind]
    since: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, task_type: _Optional[str] = ..., task_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[SLAEventKind, str]]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSLAEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SLAEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[SLAEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchSLAEventsRequest(_message.Message):
    __slots__ = ("task_type", "task_id", "kinds", "since")
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    task_type: str
    task_id: str
    kinds: _containers.RepeatedScalarFieldContainer[SLAEventKind]
    since: _timestamp_pb2.Timestamp
    def __init__(self, task_type: _Optional[str] = ..., task_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[SLAEventKind, str]]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchSLAEventsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SLAEvent
    def __init__(self, event: _Optional[_Union[SLAEvent, _Mapping]] = ...) -> None: ...
