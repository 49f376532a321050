"""Random bearer tokens (192 bits) and the hash under which they are stored."""
from __future__ import annotations

import hashlib
import secrets
import uuid


def new_token() -> str:
    return secrets.token_urlsafe(24)


TOKEN_CHARS = 32  # token_urlsafe(24)
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_token(value: object) -> bool:
    """Shaped like a token this server issues (not proof that it did)."""
    return isinstance(value, str) and len(value) == TOKEN_CHARS and set(value) <= _URLSAFE


def hash_token(token: str) -> str:
    # A fast hash is right here: the token has 192 random bits, so there is
    # nothing to brute-force; argon2 is for passwords people choose.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret(size: int) -> str:
    """`size` random bytes as URL-safe text, not beginning with "-" (so that
    it can be pasted after an option on the command line)."""
    while (secret := secrets.token_urlsafe(size))[0] == "-":
        pass
    return secret


def new_id() -> str:
    return uuid.uuid4().hex
