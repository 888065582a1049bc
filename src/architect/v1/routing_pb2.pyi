import datetime

from architect.v1 import common_pb2 as _common_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskOrderBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_ORDER_BY_UNSPECIFIED: _ClassVar[TaskOrderBy]
    TASK_ORDER_BY_CREATED_AT_DESC: _ClassVar[TaskOrderBy]
    TASK_ORDER_BY_CREATED_AT_ASC: _ClassVar[TaskOrderBy]
    TASK_ORDER_BY_UPDATED_AT_DESC: _ClassVar[TaskOrderBy]
    TASK_ORDER_BY_PRIORITY_DESC: _ClassVar[TaskOrderBy]

class RoutingDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUTING_DECISION_UNSPECIFIED: _ClassVar[RoutingDecision]
    ROUTING_DECISION_ASSIGNED: _ClassVar[RoutingDecision]
    ROUTING_DECISION_WOULD_ASSIGN: _ClassVar[RoutingDecision]
    ROUTING_DECISION_WAITING: _ClassVar[RoutingDecision]
    ROUTING_DECISION_HELD_FOR_PREFERRED: _ClassVar[RoutingDecision]
    ROUTING_DECISION_FAILED_NO_ROUTE: _ClassVar[RoutingDecision]

class IneligibleReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INELIGIBLE_REASON_UNSPECIFIED: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_NO_CAPACITY: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_MISSING_LABELS: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_PROVIDER_NOT_ALLOWED: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_EXCLUDED_GLOBAL: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_EXCLUDED_BY_RULE: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_EXCLUDED_AFTER_FAILURE: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_NOT_PREFERRED_DURING_HOLD: _ClassVar[IneligibleReason]
    INELIGIBLE_REASON_STATE_NOT_ACCEPTING: _ClassVar[IneligibleReason]
TASK_ORDER_BY_UNSPECIFIED: TaskOrderBy
TASK_ORDER_BY_CREATED_AT_DESC: TaskOrderBy
TASK_ORDER_BY_CREATED_AT_ASC: TaskOrderBy
TASK_ORDER_BY_UPDATED_AT_DESC: TaskOrderBy
TASK_ORDER_BY_PRIORITY_DESC: TaskOrderBy
ROUTING_DECISION_UNSPECIFIED: RoutingDecision
ROUTING_DECISION_ASSIGNED: RoutingDecision
ROUTING_DECISION_WOULD_ASSIGN: RoutingDecision
ROUTING_DECISION_WAITING: RoutingDecision
ROUTING_DECISION_HELD_FOR_PREFERRED: RoutingDecision
ROUTING_DECISION_FAILED_NO_ROUTE: RoutingDecision
INELIGIBLE_REASON_UNSPECIFIED: IneligibleReason
INELIGIBLE_REASON_NO_CAPACITY: IneligibleReason
INELIGIBLE_REASON_MISSING_LABELS: IneligibleReason
INELIGIBLE_REASON_PROVIDER_NOT_ALLOWED: IneligibleReason
INELIGIBLE_REASON_EXCLUDED_GLOBAL: IneligibleReason
INELIGIBLE_REASON_EXCLUDED_BY_RULE: IneligibleReason
INELIGIBLE_REASON_EXCLUDED_AFTER_FAILURE: IneligibleReason
INELIGIBLE_REASON_NOT_PREFERRED_DURING_HOLD: IneligibleReason
INELIGIBLE_REASON_STATE_NOT_ACCEPTING: IneligibleReason

class TaskSpec(_message.Message):
    __slots__ = ("type", "payload", "priority", "required_labels", "idempotency_key", "max_attempts", "preferred_sessions", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_LABELS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    type: str
    payload: _struct_pb2.Struct
    priority: int
    required_labels: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    max_attempts: int
    preferred_sessions: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., priority: _Optional[int] = ..., required_labels: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ..., max_attempts: _Optional[int] = ..., preferred_sessions: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitTaskRequest(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: TaskSpec
    def __init__(self, task: _Optional[_Union[TaskSpec, _Mapping]] = ...) -> None: ...

class SubmitTaskResponse(_message.Message):
    __slots__ = ("task", "created")
    TASK_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    created: bool
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class SubmitTasksRequest(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskSpec]
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskSpec, _Mapping]]] = ...) -> None: ...

class SubmitTaskResult(_message.Message):
    __slots__ = ("task", "created")
    TASK_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    created: bool
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class SubmitTasksResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubmitTaskResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SubmitTaskResult, _Mapping]]] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("states", "types", "session_id", "workflow_id", "created_after", "created_before", "page_size", "page_token", "order_by")
    STATES_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[_common_pb2.TaskState]
    types: _containers.RepeatedScalarFieldContainer[str]
    session_id: str
    workflow_id: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    order_by: TaskOrderBy
    def __init__(self, states: _Optional[_Iterable[_Union[_common_pb2.TaskState, str]]] = ..., types: _Optional[_Iterable[str]] = ..., session_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order_by: _Optional[_Union[TaskOrderBy, str]] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_common_pb2.Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[_common_pb2.Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelTaskRequest(_message.Message):
    __slots__ = ("task_id", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ...) -> None: ...

class SessionVerdict(_message.Message):
    __slots__ = ("session_id", "session_name", "eligible", "preferred", "reasons", "detail")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    session_name: str
    eligible: bool
    preferred: bool
    reasons: _containers.RepeatedScalarFieldContainer[IneligibleReason]
    detail: str
    def __init__(self, session_id: _Optional[str] = ..., session_name: _Optional[str] = ..., eligible: _Optional[bool] = ..., preferred: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[IneligibleReason, str]]] = ..., detail: _Optional[str] = ...) -> None: ...

class RoutingExplanation(_message.Message):
    __slots__ = ("task_id", "task_type", "rule", "config_version", "decision", "session_id", "session_name", "effective_priority", "verdicts", "hold_until", "evaluated_at", "summary")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_VERSION_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    HOLD_UNTIL_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    task_type: str
    rule: str
    config_version: str
    decision: RoutingDecision
    session_id: str
    session_name: str
    effective_priority: float
    verdicts: _containers.RepeatedCompositeFieldContainer[SessionVerdict]
    hold_until: _timestamp_pb2.Timestamp
    evaluated_at: _timestamp_pb2.Timestamp
    summary: str
    def __init__(self, task_id: _Optional[str] = ..., task_type: _Optional[str] = ..., rule: _Optional[str] = ..., config_version: _Optional[str] = ..., decision: _Optional[_Union[RoutingDecision, str]] = ..., session_id: _Optional[str] = ..., session_name: _Optional[str] = ..., effective_priority: _Optional[float] = ..., verdicts: _Optional[_Iterable[_Union[SessionVerdict, _Mapping]]] = ..., hold_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evaluated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[str] = ...) -> None: ...

class ExplainTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ExplainTaskResponse(_message.Message):
    __slots__ = ("explanation",)
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    explanation: RoutingExplanation
    def __init__(self, explanation: _Optional[_Union[RoutingExplanation, _Mapping]] = ...) -> None: ...

class DryRunRoutingRequest(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskSpec]
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskSpec, _Mapping]]] = ...) -> None: ...

class DryRunRoutingResponse(_message.Message):
    __slots__ = ("explanations",)
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    explanations: _containers.RepeatedCompositeFieldContainer[RoutingExplanation]
    def __init__(self, explanations: _Optional[_Iterable[_Union[RoutingExplanation, _Mapping]]] = ...) -> None: ...

class RegisterSessionRequest(_message.Message):
    __slots__ = ("name", "provider", "labels", "capacity", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    provider: str
    labels: _containers.RepeatedScalarFieldContainer[str]
    capacity: int
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., provider: _Optional[str] = ..., labels: _Optional[_Iterable[str]] = ..., capacity: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RegisterSessionResponse(_message.Message):
    __slots__ = ("session", "heartbeat_interval", "lease_duration")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    LEASE_DURATION_FIELD_NUMBER: _ClassVar[int]
    session: _common_pb2.Session
    heartbeat_interval: _duration_pb2.Duration
    lease_duration: _duration_pb2.Duration
    def __init__(self, session: _Optional[_Union[_common_pb2.Session, _Mapping]] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., lease_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class TaskAttempt(_message.Message):
    __slots__ = ("task_id", "attempt")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class StreamHello(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class StreamHeartbeat(_message.Message):
    __slots__ = ("active_tasks",)
    ACTIVE_TASKS_FIELD_NUMBER: _ClassVar[int]
    active_tasks: _containers.RepeatedCompositeFieldContainer[TaskAttempt]
    def __init__(self, active_tasks: _Optional[_Iterable[_Union[TaskAttempt, _Mapping]]] = ...) -> None: ...

class StreamTaskStarted(_message.Message):
    __slots__ = ("task_id", "attempt")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class StreamTaskHeartbeat(_message.Message):
    __slots__ = ("task_id", "attempt", "progress")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    progress: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., progress: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StreamTaskCompleted(_message.Message):
    __slots__ = ("task_id", "attempt", "result")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    result: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., result: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StreamTaskFailed(_message.Message):
    __slots__ = ("task_id", "attempt", "error", "retryable")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    error: str
    retryable: bool
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., error: _Optional[str] = ..., retryable: _Optional[bool] = ...) -> None: ...

class StreamSetState(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: _common_pb2.SessionState
    def __init__(self, state: _Optional[_Union[_common_pb2.SessionState, str]] = ...) -> None: ...

class SessionStreamRequest(_message.Message):
    __slots__ = ("sequence", "hello", "heartbeat", "task_started", "task_heartbeat", "task_completed", "task_failed", "set_state")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    HELLO_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    TASK_STARTED_FIELD_NUMBER: _ClassVar[int]
    TASK_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    TASK_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    TASK_FAILED_FIELD_NUMBER: _ClassVar[int]
    SET_STATE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    hello: StreamHello
    heartbeat: StreamHeartbeat
    task_started: StreamTaskStarted
    task_heartbeat: StreamTaskHeartbeat
    task_completed: StreamTaskCompleted
    task_failed: StreamTaskFailed
    set_state: StreamSetState
    def __init__(self, sequence: _Optional[int] = ..., hello: _Optional[_Union[StreamHello, _Mapping]] = ..., heartbeat: _Optional[_Union[StreamHeartbeat, _Mapping]] = ..., task_started: _Optional[_Union[StreamTaskStarted, _Mapping]] = ..., task_heartbeat: _Optional[_Union[StreamTaskHeartbeat, _Mapping]] = ..., task_completed: _Optional[_Union[StreamTaskCompleted, _Mapping]] = ..., task_failed: _Optional[_Union[StreamTaskFailed, _Mapping]] = ..., set_state: _Optional[_Union[StreamSetState, _Mapping]] = ...) -> None: ...

class StreamAssigned(_message.Message):
    __slots__ = ("assignment",)
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    assignment: _common_pb2.Assignment
    def __init__(self, assignment: _Optional[_Union[_common_pb2.Assignment, _Mapping]] = ...) -> None: ...

class StreamAck(_message.Message):
    __slots__ = ("sequence", "ok")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    ok: bool
    def __init__(self, sequence: _Optional[int] = ..., ok: _Optional[bool] = ...) -> None: ...

class StreamRejected(_message.Message):
    __slots__ = ("sequence", "code", "message")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    code: int
    message: str
    def __init__(self, sequence: _Optional[int] = ..., code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class StreamCancelTask(_message.Message):
    __slots__ = ("task_id", "attempt", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt: int
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class StreamHeartbeatAck(_message.Message):
    __slots__ = ("sequence", "server_time", "lease_expires_at")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    server_time: _timestamp_pb2.Timestamp
    lease_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionStreamResponse(_message.Message):
    __slots__ = ("assigned", "ack", "rejected", "cancel_task", "heartbeat_ack")
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TASK_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_ACK_FIELD_NUMBER: _ClassVar[int]
    assigned: StreamAssigned
    ack: StreamAck
    rejected: StreamRejected
    cancel_task: StreamCancelTask
    heartbeat_ack: StreamHeartbeatAck
    def __init__(self, assigned: _Optional[_Union[StreamAssigned, _Mapping]] = ..., ack: _Optional[_Union[StreamAck, _Mapping]] = ..., rejected: _Optional[_Union[StreamRejected, _Mapping]] = ..., cancel_task: _Optional[_Union[StreamCancelTask, _Mapping]] = ..., heartbeat_ack: _Optional[_Union[StreamHeartbeatAck, _Mapping]] = ...) -> None: ...

class StartTaskRequest(_message.Message):
    __slots__ = ("task_id", "session_id", "attempt")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    session_id: str
    attempt: int
    def __init__(self, task_id: _Optional[str] = ..., session_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class StartTaskResponse(_message.Message):
    __slots__ = ("task", "lease_expires_at")
    TASK_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    lease_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HeartbeatTaskRequest(_message.Message):
    __slots__ = ("task_id", "session_id", "attempt", "progress")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    session_id: str
    attempt: int
    progress: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., session_id: _Optional[str] = ..., attempt: _Optional[int] = ..., progress: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class HeartbeatTaskResponse(_message.Message):
    __slots__ = ("lease_expires_at",)
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    lease_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("task_id", "session_id", "attempt", "result")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    session_id: str
    attempt: int
    result: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., session_id: _Optional[str] = ..., attempt: _Optional[int] = ..., result: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ...) -> None: ...

class FailTaskRequest(_message.Message):
    __slots__ = ("task_id", "session_id", "attempt", "error", "retryable")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    session_id: str
    attempt: int
    error: str
    retryable: bool
    def __init__(self, task_id: _Optional[str] = ..., session_id: _Optional[str] = ..., attempt: _Optional[int] = ..., error: _Optional[str] = ..., retryable: _Optional[bool] = ...) -> None: ...

class FailTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _common_pb2.Task
    def __init__(self, task: _Optional[_Union[_common_pb2.Task, _Mapping]] = ...) -> None: ...

class DrainSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class DrainSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _common_pb2.Session
    def __init__(self, session: _Optional[_Union[_common_pb2.Session, _Mapping]] = ...) -> None: ...

class DeregisterSessionRequest(_message.Message):
    __slots__ = ("session_id", "force")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    force: bool
    def __init__(self, session_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeregisterSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _common_pb2.Session
    def __init__(self, session: _Optional[_Union[_common_pb2.Session, _Mapping]] = ...) -> None: ...

class SetSessionStateRequest(_message.Message):
    __slots__ = ("session_id", "state")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    state: _common_pb2.SessionState
    def __init__(self, session_id: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.SessionState, str]] = ...) -> None: ...

class SetSessionStateResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _common_pb2.Session
    def __init__(self, session: _Optional[_Union[_common_pb2.Session, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _common_pb2.Session
    def __init__(self, session: _Optional[_Union[_common_pb2.Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("states", "provider", "labels", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[_common_pb2.SessionState]
    provider: str
    labels: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[_common_pb2.SessionState, str]]] = ..., provider: _Optional[str] = ..., labels: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[_common_pb2.Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[_common_pb2.Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
