"""The domain exception tree, shared by every service.

    ArchitectError                      base; never raised itself
    ├── InvalidArgument                 the request is malformed        -> INVALID_ARGUMENT
    ├── NotFound                        a named entity does not exist   -> NOT_FOUND
    ├── AlreadyExists                   a unique name or key is taken   -> ALREADY_EXISTS
    ├── FailedPrecondition              not allowed in the current state-> FAILED_PRECONDITION
    │   └── StaleAttempt                fenced: an older attempt number
    ├── PermissionDenied                authenticated but not allowed  -> PERMISSION_DENIED
    ├── Unauthenticated                 no or bad credentials          -> UNAUTHENTICATED
    ├── ResourceExhausted               a limit or rate was exceeded   -> RESOURCE_EXHAUSTED
    ├── Unavailable                     the store or a peer is down    -> UNAVAILABLE
    ├── DeadlineExceeded                a timeout elapsed              -> DEADLINE_EXCEEDED
    └── Unimplemented                   planned, not built yet         -> UNIMPLEMENTED

Driver errors (sqlite3, asyncpg) are translated into these where they arise,
in the store; the gRPC layer (``architect.server.status``) maps each class to
exactly one status code. Messages are written for the person reading them and
never carry internal details such as SQL or stack traces.
"""

from __future__ import annotations


class ArchitectError(Exception):
    """Base class of every error Architect reports to a client."""


class InvalidArgument(ArchitectError):
    """The request is malformed: a bad field, type, range or reference."""


class NotFound(ArchitectError):
    """A named entity (task, session, query, workflow) does not exist."""


class AlreadyExists(ArchitectError):
    """A unique name or key is already taken."""


class FailedPrecondition(ArchitectError):
    """The request is valid but not allowed in the current state."""


class StaleAttempt(FailedPrecondition):
    """A worker call carried an attempt number older than the task's current one."""


class PermissionDenied(ArchitectError):
    """The caller is authenticated but its role may not call this."""


class Unauthenticated(ArchitectError):
    """The caller sent no credentials, or credentials that are not valid."""


class ResourceExhausted(ArchitectError):
    """A rate limit, size limit or capacity was exceeded."""


class Unavailable(ArchitectError):
    """A dependency (the database, a peer) cannot be reached right now; retry later."""


class DeadlineExceeded(ArchitectError):
    """An operation ran past its deadline or statement timeout."""


class Unimplemented(ArchitectError):
    """The RPC is part of the API but not built in this release."""


__all__ = [
    "AlreadyExists",
    "ArchitectError",
    "DeadlineExceeded",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "StaleAttempt",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
]
