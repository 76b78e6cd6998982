"""The frame protocol between the grader and the runner, used on both sides of the pipes.

A frame is ``<u32 header length><header JSON><blobs>``, where the header's ``blobs`` entry
lists the byte length of each blob. The grader imports this module as
``autograder.sandbox.frames``; the sandbox gets a copy beside the runner, so it uses the
standard library only.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

__all__ = ["FrameError", "pack", "unpack"]

LENGTH = struct.Struct("<I")
MAX_HEADER = 4 * 1024 * 1024
MAX_BLOBS = 512 * 1024 * 1024


class FrameError(ValueError):
    """A frame that does not follow the protocol; the message says how."""


def pack(header: dict[str, Any], blobs: list[bytes] | tuple[bytes, ...] = ()) -> bytes:
    """One frame: the header with the blob lengths added, then the blobs."""
    data = json.dumps(dict(header, blobs=[len(b) for b in blobs])).encode()
    return LENGTH.pack(len(data)) + data + b"".join(blobs)


def unpack(read: Callable[[int], bytes]) -> tuple[dict[str, Any], list[bytes]]:
    """Read one frame with ``read(n)``, which returns exactly ``n`` bytes or raises."""
    (size,) = LENGTH.unpack(read(LENGTH.size))
    if size > MAX_HEADER:
        raise FrameError("an oversized message")
    try:
        header = json.loads(read(size))
    except (UnicodeDecodeError, ValueError):
        raise FrameError("a damaged message") from None
    sizes = header.pop("blobs", []) if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(isinstance(n, int) and n >= 0 for n in sizes):
        raise FrameError("a damaged message")
    if sum(sizes) > MAX_BLOBS:
        raise FrameError("more data than any answer needs")
    return header, [read(n) for n in sizes]
