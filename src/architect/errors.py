"""The domain exception tree, shared by every service.

    ArchitectError                      base; never raised itself
    ├── InvalidArgument                 the request is malformed        -> INVALID_ARGUMENT
    │   └── ReadOnlyViolation           a read-only query tried to write
    ├── NotFound                        a named entity does not exist   -> NOT_FOUND
    ├── AlreadyExists                   a unique name or key is taken   -> ALREADY_EXISTS
    │   └── AlreadyAssigned             the task already has an active assignment
    ├── FailedPrecondition              not allowed in the current state-> FAILED_PRECONDITION
    │   ├── StaleAttempt                fenced: an older attempt number
    │   └── MigrationError              the database schema does not match the migrations
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


class AlreadyAssigned(AlreadyExists):
    """The task already has an active assignment (the database's partial unique index said so)."""


class ReadOnlyViolation(InvalidArgument):
    """A statement run through the read-only query path tried to change data.

    It is an ``InvalidArgument``, not a ``FailedPrecondition``: the SQL itself is wrong for
    the read-only path, whatever state the system is in, and retrying cannot help.
    """


class FailedPrecondition(ArchitectError):
    """The request is valid but not allowed in the current state."""


class StaleAttempt(FailedPrecondition):
    """A worker call carried an attempt number older than the task's current one."""


class MigrationError(FailedPrecondition):
    """The database schema and the shipped migrations disagree (e.g. an applied migration's
    checksum changed, or the database is newer than this release)."""


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
    "AlreadyAssigned",
    "AlreadyExists",
    "ArchitectError",
    "DeadlineExceeded",
    "FailedPrecondition",
    "InvalidArgument",
    "MigrationError",
    "NotFound",
    "PermissionDenied",
    "ReadOnlyViolation",
    "ResourceExhausted",
    "StaleAttempt",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
]
