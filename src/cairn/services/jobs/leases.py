"""Who holds a task's lease, and whether that holder is gone."""

from __future__ import annotations

import os
import socket
import uuid

__all__ = ["lease_owner", "owner_is_dead"]


def lease_owner() -> str:
    """Who holds a lease: ``host/pid/nonce`` (the pid lets a restarted machine see its dead predecessors)."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` is a process of this machine that no longer runs."""
    if not owner:
        return False
    host, _, rest = owner.partition("/")
    pid_text = rest.split("/", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
