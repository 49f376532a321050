"""What a new password must be: the same rule wherever one is set (a reset
link, the agent's own account page)."""
from __future__ import annotations

from .errors import BadRequest

MIN_CHARS = 10
MAX_CHARS = 1024  # what a login accepts (services/auth.py)


def check_new_password(password: str, confirm: str | None = None) -> str:
    """`password` as given (never stripped: spaces are characters too).
    Raises BadRequest for one shorter than MIN_CHARS, longer than MAX_CHARS,
    holding control characters, or not the same as `confirm` when given."""
    if len(password) < MIN_CHARS:
        raise BadRequest(f"a password needs at least {MIN_CHARS} characters")
    if len(password) > MAX_CHARS:
        raise BadRequest(f"a password has at most {MAX_CHARS} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise BadRequest("a password cannot hold control characters")
    if confirm is not None and confirm != password:
        raise BadRequest("the two passwords are not the same")
    return password
