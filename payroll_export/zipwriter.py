"""A small ZIP writer for XLSX packages, with deflate spread over threads for the big members.

Why not :mod:`zipfile`: it compresses a member in the calling thread only, and the ``lines``
sheets are gigabytes of XML whose compression is the slowest step of the export. Here a big
member is deflated in independent pieces on a thread pool (zlib releases the GIL), each piece
ended with a sync flush so that the pieces, followed by one final empty block, form a single
valid deflate stream — the technique of pigz. Small members are compressed in one go.

When the ``isal`` package (Intel ISA-L bindings) is installed its deflate is used instead of
zlib's: the same format, about four times faster. Without it the standard library does the work.

Every archive is plain ZIP (no ZIP64: Excel's support for it is narrow); a member or archive
past 4 GiB raises :class:`ExportError`, and the workbook writer splits sheets so that a member
never comes near it. Timestamps are fixed (1980-01-01), so the same input gives the same bytes.
"""

from __future__ import annotations

import importlib
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import BinaryIO, Self

from payroll_export.errors import ExportError

ZIP_LIMIT = 0xFFFFFFFF
_MAX_MEMBERS = 0xFFFF
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_OF_CENTRAL = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: deflate
_DEFLATED = 8
_UTF8_NAME = 0x0800
_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_TOO_BIG = "工作簿超过 4 GiB 的 ZIP 上限 / the workbook passes the 4 GiB ZIP limit"
#: Pieces of a big member are at least this big before they are deflated on their own.
PIECE_BYTES = 8 << 20

Chunk = bytes | bytearray | memoryview


def _fast_deflate() -> ModuleType:
    """``isal.isal_zlib`` when installed (same API and format as zlib, faster), else ``zlib``."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return zlib


DEFLATE = _fast_deflate()


@dataclass(frozen=True, slots=True)
class _Member:
    name: bytes
    crc: int
    compressed: int
    size: int
    offset: int


def _deflate_piece(piece: Sequence[Chunk], level: int) -> bytes:
    """Raw deflate of one piece, ended byte-aligned and not final (``Z_SYNC_FLUSH``)."""
    compressor = DEFLATE.compressobj(level, DEFLATE.DEFLATED, -15)
    out = [compressor.compress(chunk) for chunk in piece]
    out.append(compressor.flush(DEFLATE.Z_SYNC_FLUSH))
    return b"".join(out)


def _final_block(level: int) -> bytes:
    return bytes(DEFLATE.compressobj(level, DEFLATE.DEFLATED, -15).flush(DEFLATE.Z_FINISH))


class ZipWriter:
    """Write members to a seekable binary file, then the central directory on :meth:`close`."""

    def __init__(self, file: BinaryIO, *, threads: int = 2, in_flight: int | None = None) -> None:
        threads = max(1, threads)
        self._file = file
        self._members: list[_Member] = []
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="deflate")
        self._in_flight = max(1, in_flight if in_flight is not None else 2 * threads)
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def write(self, name: str, data: bytes, *, level: int = 6) -> None:
        """A small member, compressed in the calling thread."""
        self.write_stream(name, [data], level=level, parallel=False)

    def write_stream(
        self, name: str, chunks: Iterable[Chunk], *, level: int = 1, parallel: bool = True
    ) -> None:
        """A member made of ``chunks`` in order, deflated piece by piece on the thread pool.

        Consecutive chunks are gathered into pieces of at least ``PIECE_BYTES``; at most
        ``in_flight`` pieces wait for compression, so memory stays bounded however big the
        member is, while the iterator producing the chunks runs on in this thread.
        """
        if len(self._members) >= _MAX_MEMBERS:
            raise ExportError("工作簿部件过多 / too many parts in the workbook")
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8_NAME
        offset = self._file.tell()
        self._file.write(self._local_header(encoded, flags, 0, 0, 0))
        crc = 0
        size = 0
        compressed = 0
        pending: deque[Future[bytes]] = deque()
        piece: list[Chunk] = []
        piece_bytes = 0

        def emit(data: bytes) -> None:
            nonlocal compressed
            self._file.write(data)
            compressed += len(data)

        def submit() -> None:
            nonlocal piece, piece_bytes
            pending.append(self._pool.submit(_deflate_piece, piece, level))
            piece, piece_bytes = [], 0
            while len(pending) > self._in_flight:
                emit(pending.popleft().result())

        single = zlib.compressobj(level, zlib.DEFLATED, -15)
        for chunk in chunks:
            if not len(chunk):
                continue
            crc = DEFLATE.crc32(chunk, crc)
            size += len(chunk)
            if not parallel:
                emit(single.compress(chunk))
                continue
            piece.append(chunk)
            piece_bytes += len(chunk)
            if piece_bytes >= PIECE_BYTES:
                submit()
        if piece:
            submit()
        while pending:
            emit(pending.popleft().result())
        emit(_final_block(level) if parallel else single.flush(zlib.Z_FINISH))
        end = self._file.tell()
        if size > ZIP_LIMIT or compressed > ZIP_LIMIT or end > ZIP_LIMIT:
            raise ExportError(f"{_TOO_BIG} ({name})")
        self._file.seek(offset)
        self._file.write(self._local_header(encoded, flags, crc, compressed, size))
        self._file.seek(end)
        self._members.append(_Member(encoded, crc, compressed, size, offset))

    @staticmethod
    def _local_header(name: bytes, flags: int, crc: int, compressed: int, size: int) -> bytes:
        fields = (0x04034B50, _VERSION, flags, _DEFLATED, _DOS_TIME, _DOS_DATE)
        return _LOCAL_HEADER.pack(*fields, crc, compressed, size, len(name), 0) + name

    def close(self) -> None:
        """Write the central directory and the end record; the file stays open."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True)
        start = self._file.tell()
        for member in self._members:
            flags = 0 if member.name.isascii() else _UTF8_NAME
            self._file.write(
                _CENTRAL_HEADER.pack(
                    0x02014B50,
                    _VERSION,
                    _VERSION,
                    flags,
                    _DEFLATED,
                    _DOS_TIME,
                    _DOS_DATE,
                    member.crc,
                    member.compressed,
                    member.size,
                    len(member.name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    member.offset,
                )
                + member.name
            )
        end = self._file.tell()
        if end > ZIP_LIMIT:
            raise ExportError(_TOO_BIG)
        count = len(self._members)
        self._file.write(
            _END_OF_CENTRAL.pack(0x06054B50, 0, 0, count, count, end - start, start, 0)
        )
