"""Authentication (who is calling) and authorisation (may their role call this method).

Clients send ``authorization: Bearer <token>`` metadata. The token is hashed and looked up in
a dict keyed by hash. That lookup is not constant-time, and does not need to be: its timing
can only tell an attacker about the *hash* of the token they sent, and learning hashes brings
them no closer to a token whose hash is configured (that would need a SHA-256 preimage).

Decisions per method (public or not, which roles may call it) are compiled once per settings
version into a dict keyed by the method path, so a call costs a dict lookup, never a pattern
match. Methods first seen at run time (health, reflection) are compiled on first use.

``update(settings)`` swaps in a new compiled table in one assignment; calls in flight keep the
table they started with.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass

from architect import errors
from architect.gateway.settings import GatewaySettings
from architect.gateway.tokens import hash_token

log = logging.getLogger(__name__)

_BEARER = "bearer "


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one RPC."""

    name: str
    role: str


#: The caller when auth is off (loopback without tokens, or ``--insecure``).
ANONYMOUS = Principal(name="anonymous", role="*")


@dataclass(frozen=True, slots=True)
class MethodAccess:
    """Who may call one method."""

    public: bool
    roles: frozenset[str]


def method_name(path: str) -> str:
    """``/pkg.Service/Method`` → ``pkg.Service/Method``, the form patterns are written in."""
    return path[1:] if path.startswith("/") else path


def matches(patterns: tuple[str, ...], path: str) -> bool:
    """Whether any pattern ('*' matches any text) matches the method ``path``."""
    name = method_name(path)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


class _AuthTable:
    """One settings version, compiled."""

    def __init__(self, settings: GatewaySettings):
        self.settings = settings.auth
        self.principals = {t.sha256: Principal(t.name, t.role) for t in settings.auth.tokens}
        self.methods: dict[str, MethodAccess] = {}

    def access(self, path: str) -> MethodAccess:
        found = self.methods.get(path)
        if found is None:
            service = method_name(path).split("/", 1)[0]
            found = MethodAccess(
                public=service in self.settings.public_services,
                roles=frozenset(
                    role for role, rs in self.settings.roles.items() if matches(rs.allow, path)
                ),
            )
            self.methods[path] = found
        return found


class Authenticator:
    """Checks the token and the role of each call against the current settings."""

    def __init__(self, settings: GatewaySettings, *, enforce: bool):
        #: False only when auth is off: no tokens, and loopback or ``--insecure``.
        self.enforce = enforce
        self._table = _AuthTable(settings)

    def update(self, settings: GatewaySettings) -> None:
        """Use ``settings`` from the next call on.

        Tokens appearing turn auth on; tokens disappearing never turn it off (an empty list on
        a server that enforces auth refuses every call rather than opening the server).
        """
        if settings.auth.tokens and not self.enforce:
            log.warning("tokens configured: authentication is now required")
            self.enforce = True
        self._table = _AuthTable(settings)

    def access(self, path: str) -> MethodAccess:
        """Who may call the method at ``path`` (``/pkg.Service/Method``)."""
        return self._table.access(path)

    def authenticate(self, authorization: str | None) -> Principal:
        """The caller named by an ``authorization`` metadata value, or ``Unauthenticated``."""
        if not self.enforce:
            return ANONYMOUS
        if authorization is None:
            raise errors.Unauthenticated(
                "missing credentials: send metadata 'authorization: Bearer <token>'"
            )
        if authorization[:7].lower() != _BEARER or not authorization[7:].strip():
            raise errors.Unauthenticated(
                "malformed authorization metadata: expected 'Bearer <token>'"
            )
        principal = self._table.principals.get(hash_token(authorization[7:].strip()))
        if principal is None:
            raise errors.Unauthenticated("unknown or revoked token")
        return principal

    def authorize(self, principal: Principal, path: str, access: MethodAccess) -> None:
        """Raise ``PermissionDenied`` unless ``principal``'s role may call ``path``."""
        if principal.role == "*" or principal.role in access.roles:
            return
        raise errors.PermissionDenied(
            f"token {principal.name!r} (role {principal.role}) may not call {method_name(path)}"
        )
