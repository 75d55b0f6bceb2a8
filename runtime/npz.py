"""``.npz`` archives (checkpoints, ``tfc run --inputs`` and ``-o``), read without ever running code or
trusting sizes, and written under any array names.

``np.load`` would do, but its errors do not say what is wrong (a text file is "pickled data", a cut
archive a ``BadZipFile``) and it allocates whatever an ``.npy`` header asks for. Here every member
must be one ``.npy`` array; its header is checked against the member's size and tfc's tensor byte
limit before any data is read; object (pickled) arrays are refused; and each failure is one ``error(...)`` (a :class:`NpzError`
unless the caller names its own class) saying which file and which array::

    with open_npz(stream, "in.npz") as archive:
        arrays = {name: read_array(archive, info, "in.npz") for name, info in array_members(archive, "in.npz").items()}
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

from tfc.diagnostics import TfcError
from tfc.limits import tensor_too_big

NPY = ".npy"
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first member; an empty zip's end record
# What reading a damaged zip member or .npy header can raise (RuntimeError: an encrypted member;
# NotImplementedError: an unknown compression method).
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError)


class NpzError(TfcError):
    """An ``.npz`` archive that is not one, or holds something other than plain arrays; names the file."""


class _Refused(ValueError):
    """An intact array tfc will not load (an object array)."""


def open_npz(stream: BinaryIO, name: str, error: type[TfcError] = NpzError) -> zipfile.ZipFile:
    """The zip archive in ``stream`` (``name`` is the file's name for messages); ``error`` if it is not one."""
    if not stream.seekable():  # a pipe: zipfile needs to seek
        stream = io.BytesIO(stream.read())
    head = stream.read(len(_NPY_MAGIC))
    stream.seek(0)
    if not head:
        raise error(f"{name}: error: empty file, not an .npz archive")
    if head.startswith(_NPY_MAGIC):
        raise error(f"{name}: error: a single .npy array, not an .npz archive (write one with np.savez)")
    if not head.startswith(_ZIP_MAGICS):
        raise error(f"{name}: error: not an .npz archive (np.savez writes a zip file; this one starts with {head[:4]!r})")
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.LargeZipFile, *_READ_ERRORS) as err:
        raise error(f"{name}: error: truncated or corrupt .npz archive ({err})") from None


def array_members(archive: zipfile.ZipFile, name: str, error: type[TfcError] = NpzError) -> dict[str, zipfile.ZipInfo]:
    """Array name -> its member, in the archive's order; every member must be one ``.npy`` array, each name once."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if not info.filename.endswith(NPY) or info.is_dir():
            raise error(f"{name}: error: member '{info.filename}' is not a .npy array")
        array_name = info.filename[: -len(NPY)]
        if array_name in members:
            raise error(f"{name}: error: array '{array_name}' appears twice")
        members[array_name] = info
    return members


_CHUNK = 16 << 20


def _read_exactly(member, nbytes: int) -> bytearray:
    """``nbytes`` of ``member``, read in chunks straight into the result (zipfile would copy a
    single big read twice: three times the array's size at the peak)."""
    buffer = bytearray(nbytes)
    view, done = memoryview(buffer), 0
    while done < nbytes:
        count = member.readinto(view[done : done + _CHUNK])
        if not count:
            raise EOFError(f"data ends after {done} of {nbytes} bytes")
        done += count
    if member.read(1):  # also reaches the end, where zipfile checks the CRC
        raise ValueError("data continues past the array")
    return buffer


def _read_npy(member, size: int) -> np.ndarray:
    """One ``.npy`` member, its header checked against its ``size`` before any data is read."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f".npy format version {version[0]}.{version[1]} is not supported")
    if dtype.hasobject:
        raise _Refused("holds Python objects (pickled data), which tfc never loads")
    nbytes = math.prod(shape) * dtype.itemsize
    if size - member.tell() != nbytes:
        raise ValueError(f"it has {size - member.tell()} bytes of data, but {dtype}{list(shape)} needs {nbytes}")
    too_big = tensor_too_big(shape, dtype.itemsize, f"{dtype}{list(shape)}")
    if too_big:
        raise _Refused(f"is too big to load: {too_big}")
    data = _read_exactly(member, nbytes)
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran_order else "C")


def read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, error: type[TfcError] = NpzError) -> np.ndarray:
    """The (writable) array in member ``info``; ``error`` naming the file and the array if it is damaged."""
    array_name = info.filename[: -len(NPY)]
    try:
        with archive.open(info) as member:
            return _read_npy(member, info.file_size)
    except _Refused as err:
        raise error(f"{name}: error: array '{array_name}' {err}") from None
    except _READ_ERRORS as err:
        raise error(f"{name}: error: array '{array_name}' is truncated or corrupt: {err}") from None


def write_npz(stream: BinaryIO, arrays: Mapping[str, np.ndarray]) -> None:
    """``arrays`` as an ``.npz`` archive (what ``np.load`` reads), never pickled, under any names:
    ``np.savez(f, **arrays)`` would take a name ``file`` or ``allow_pickle`` for its own argument."""
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + NPY, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


__all__ = ["NPY", "NpzError", "array_members", "open_npz", "read_array", "write_npz"]
