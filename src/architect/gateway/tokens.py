"""API tokens: how they are made, hashed and shown to the operator.

A token is ``arch_`` followed by 32 random bytes in URL-safe base64. The prefix lets secret
scanners and people recognise one; the 256 random bits are what make it secret.

Config stores only the SHA-256 of a token. A fast, unsalted hash is the right tool here and a
password hash (bcrypt, argon2) is not: those exist to slow down guessing of low-entropy human
passwords, while guessing a 256-bit random token is hopeless at any speed. A fast hash keeps the
per-call check to about a microsecond, and a leaked config file still reveals no usable token
(SHA-256 has no known preimage attack).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import yaml

PREFIX = "arch_"
_RANDOM_BYTES = 32


def generate_token() -> str:
    """A new random API token."""
    return PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def hash_token(token: str) -> str:
    """The lower-case hex SHA-256 of ``token``, as stored in ``gateway.yaml``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, sha256_hex: str) -> bool:
    """Whether ``token`` hashes to ``sha256_hex``, compared in constant time."""
    return hmac.compare_digest(hash_token(token), sha256_hex)


def config_entry(name: str, role: str, token: str) -> str:
    """The YAML to add under ``auth.tokens`` for ``token``."""
    entry = [{"name": name, "role": role, "sha256": hash_token(token)}]
    return yaml.safe_dump({"auth": {"tokens": entry}}, sort_keys=False)
