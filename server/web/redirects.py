"""Where the console goes after its login form: back to the page that
asked for it (`?next=`), and never off the desk's own origin."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

HOME = "/console"
LOGIN = "/console/login"
MAX_NEXT = 2000


def safe_next(value: object) -> str:
    """`value` if it is a path of this origin under /console, else HOME.
    Refused: anything with a scheme or a host (`https://evil`, `//evil`),
    backslashes (browsers read `/\\evil` as `//evil`), whitespace and
    control characters (browsers drop tabs and newlines: `/\\t/evil`), and
    the login page itself."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NEXT:
        return HOME
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return HOME
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == HOME or parts.path.startswith(HOME + "/")):
        return HOME
    return HOME if parts.path == LOGIN else value


def login_url(path_qs: str) -> str:
    """The login page, coming back to `path_qs` (this request's) afterwards."""
    target = safe_next(path_qs)
    return LOGIN if target == HOME else f"{LOGIN}?next={quote(target, safe='/')}"
