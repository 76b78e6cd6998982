"""Zips shaped like the downloads of course sites, byte for byte where it matters.

Korean Windows stores entry names in CP949 without the UTF-8 flag, some Linux and macOS
tools store UTF-8 without it, and Python's ``zipfile`` would always set the flag for a
non-ASCII name. :class:`RawName` writes the bytes it is given, unflagged.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

STAMP = (2026, 11, 5, 23, 58, 0)  # one time for every entry: sites stamp the download


class RawName(zipfile.ZipInfo):
    """A zip entry whose name is written as ``raw`` bytes, without the UTF-8 flag."""

    def __init__(self, raw: bytes, date_time: tuple[int, ...] = STAMP) -> None:
        super().__init__(raw.decode("cp437"), date_time)  # cp437 maps every byte

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's name)
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


@dataclass
class Entry:
    """One file of a download: its name, how the name is stored, its bytes and time."""

    name: str
    data: bytes
    encoding: str = "utf-8-flag"  # utf-8-flag | utf-8 | cp949 | nfd (macOS, flagged)
    date_time: tuple[int, ...] = STAMP


def zip_bytes(entries: list[Entry]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in entries:
            if e.encoding == "utf-8-flag":
                info = zipfile.ZipInfo(e.name, e.date_time)
            elif e.encoding == "nfd":
                info = zipfile.ZipInfo(unicodedata.normalize("NFD", e.name), e.date_time)
            else:
                info = RawName(e.name.encode(e.encoding), e.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, e.data)
    return buffer.getvalue()


def write_zip(path: Path, entries: list[Entry]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(entries))
    return path


def strays(folder: str) -> list[Entry]:
    """What else a download holds: macOS and Windows droppings, a PDF, a text note."""
    return [
        Entry(f"{folder}.DS_Store", b"\x00\x00\x00\x01Bud1"),
        Entry(f"__MACOSX/{folder}._박서준 - 과제3.ipynb", b"\x00\x05\x16\x07", "utf-8"),
        Entry(f"{folder}desktop.ini", b"[.ShellClassInfo]\r\n"),
        Entry(f"{folder}정민서 - 과제3 보고서.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "cp949"),
        Entry(f"{folder}readme.txt", b"downloaded from the course site"),
    ]
