"""Every module of /api/v1 operations: importing this fills registry.OPERATIONS
(re-exported here, so that whoever reads OPERATIONS imports this module)."""
from __future__ import annotations

from . import agents  # noqa: F401
from . import chats  # noqa: F401
from . import tickets  # noqa: F401
from . import people  # noqa: F401
from . import reports  # noqa: F401
from .registry import OPERATIONS  # noqa: E402,F401
