"""Read the tensors of a PyTorch checkpoint in the legacy (pre-1.6, non-zip) format, without PyTorch.

Why: Resemblyzer's wheel ships its pretrained voice encoder as such a file, and PyTorch is a
multi-gigabyte dependency the server does not otherwise need. The format is: a magic-number pickle,
a protocol-version pickle, a system-info pickle, the object pickle (tensors as persistent ids that
name storages), the list of storage keys, then each storage's raw little-endian bytes after an int64
element count. The unpickler here builds only dicts and numpy arrays, and refuses any other class, so
a malicious file cannot run code.
"""

from __future__ import annotations

import collections
import pickle
import struct
from pathlib import Path
from typing import IO, Any

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32}


class _Tensor:
    """A tensor before its storage has been read: (storage key, offset, size, stride)."""

    def __init__(self, key: str, offset: int, size: tuple[int, ...], stride: tuple[int, ...]):
        self.key, self.offset, self.size, self.stride = key, offset, size, stride


def _rebuild_tensor(storage: str, offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                    *_rest: Any) -> _Tensor:
    return _Tensor(storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: IO[bytes], storages: dict[str, tuple[str, int]]):
        super().__init__(f)
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a weights file")

    def persistent_load(self, pid: Any) -> str:
        _typename, storage_type, key, _location, size = pid[:5]
        self._storages.setdefault(str(key), (str(storage_type), int(size)))
        return str(key)


def load_legacy_checkpoint(path: Path) -> Any:
    """The checkpoint's object with every tensor as a numpy array."""
    storages: dict[str, tuple[str, int]] = {}
    data: dict[str, np.ndarray] = {}
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path}: not a legacy PyTorch checkpoint")
        pickle.load(f)  # protocol version
        info = pickle.load(f)
        if not info.get("little_endian", True):
            raise ValueError(f"{path}: big-endian checkpoint")
        obj = _Unpickler(f, storages).load()
        for key in pickle.load(f):
            storage_type, _ = storages[key]
            dtype = np.dtype(_DTYPES[storage_type])
            (count,) = struct.unpack("<q", f.read(8))
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)

    def resolve(o: Any) -> Any:
        if isinstance(o, _Tensor):
            flat = data[o.key]
            strides = tuple(s * flat.itemsize for s in o.stride)
            return np.lib.stride_tricks.as_strided(flat[o.offset:], shape=o.size, strides=strides).copy()
        if isinstance(o, dict):
            return {k: resolve(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return type(o)(resolve(v) for v in o)
        return o

    return resolve(obj)
