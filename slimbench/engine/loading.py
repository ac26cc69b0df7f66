"""Load a model from a zoo name, a file or a folder, detecting the format by content.

Every path through here loads tensors with ``weights_only=True``; a full pickle (which can
run code while it is read) loads only when the caller says the user trusts that file.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import pickle
import re
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import (
    ArchitectureMismatchError,
    ArchitectureNeededError,
    InputSpecError,
    ModelLoadError,
    UntrustedCodeError,
    UntrustedPickleError,
)

ZOO_PREFIX = "zoo:"

#: Keys under which common training checkpoints keep their state_dict.
_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model", "weights")

#: Key of the metadata Slimbench writes next to the weights it saves, so the file
#: loads back without the user naming the architecture again.
SLIMBENCH_META_KEY = "slimbench"

_DTYPES = {
    "float32": torch.float32,
    "float": torch.float32,
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
    "int64": torch.int64,
    "long": torch.int64,
    "int32": torch.int32,
    "int": torch.int32,
    "bool": torch.bool,
    "uint8": torch.uint8,
}


@dataclass
class InputSpec:
    """The shape (batch dimension included) and dtype of one example input."""

    shape: tuple[int, ...]
    dtype: torch.dtype = torch.float32

    def make(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """A deterministic example tensor: normal noise for floats, small ints for indices.

        Integer inputs are usually token or class indices, so they stay in [0, 2), which is
        valid for any embedding table.
        """
        generator = generator or torch.Generator().manual_seed(0)
        if self.dtype.is_floating_point:
            return torch.randn(self.shape, generator=generator).to(self.dtype)
        if self.dtype == torch.bool:
            return torch.randint(0, 2, self.shape, generator=generator).bool()
        return torch.randint(0, 2, self.shape, generator=generator).to(self.dtype)


@dataclass
class ModelHandle:
    """A loaded model and what Slimbench knows about it.

    ``source`` is the detected format: zoo, export, torchscript, state_dict, safetensors,
    huggingface or pickle. ``data`` is evaluation data (labelled when the labels are known).
    """

    name: str
    module: nn.Module
    source: str
    location: str
    example_inputs: tuple[torch.Tensor, ...] | None = None
    data: TensorDataset | None = None
    arch: str | None = None
    arch_args: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Original class names by module path, where the module objects no longer carry them
    #: (an exported program's submodules are all InterpreterModules).
    layer_types: dict[str, str] = field(default_factory=dict)
    #: The caller named the architecture (the file does not record it), so the file opened
    #: again by its name alone would not load: autosave keeps a copy instead.
    arch_given: bool = False

    def require_inputs(self, purpose: str = "run the model") -> tuple[torch.Tensor, ...]:
        """The example inputs, or an error saying which flag gives them."""
        if self.example_inputs is None:
            raise InputSpecError(
                f"To {purpose}, Slimbench needs example inputs for {self.name}: "
                "give them with --input-shape (e.g. --input-shape 1,3,32,32) and --input-dtype."
            )
        return self.example_inputs


def parse_dtype(name: str) -> torch.dtype:
    key = name.strip().lower().removeprefix("torch.")
    if key not in _DTYPES:
        raise InputSpecError(
            f"Unknown dtype '{name}'; use one of {', '.join(sorted(set(_DTYPES)))}."
        )
    return _DTYPES[key]


def parse_input_specs(shapes: Sequence[str], dtypes: Sequence[str] = ()) -> list[InputSpec]:
    """Pair ``--input-shape`` values with ``--input-dtype`` values.

    One dtype applies to every shape; otherwise there must be one dtype per shape.
    """
    if dtypes and len(dtypes) not in (1, len(shapes)):
        raise InputSpecError(
            f"Got {len(shapes)} --input-shape values but {len(dtypes)} --input-dtype values; "
            "give one dtype for all inputs or one per input."
        )
    specs = []
    for index, text in enumerate(shapes):
        try:
            shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
        except ValueError:
            shape = ()
        if not shape or any(size <= 0 for size in shape):
            raise InputSpecError(
                f"Input shape '{text}' is not a list of positive integers such as 1,3,32,32."
            )
        dtype_name = dtypes[0] if len(dtypes) == 1 else (dtypes[index] if dtypes else "float32")
        specs.append(InputSpec(shape, parse_dtype(dtype_name)))
    return specs


def load_model(
    spec: str | Path,
    *,
    arch: str | None = None,
    arch_args: Mapping[str, Any] | str | None = None,
    inputs: Sequence[InputSpec] = (),
    trust_pickle: bool = False,
    trust_code: bool | None = None,
) -> ModelHandle:
    """Load ``zoo:NAME``, an exported program, a state_dict, safetensors, a Hugging Face
    folder or (only when trusted) TorchScript or a fully pickled module.

    ``arch`` (``zoo:NAME``, ``module.path:Class`` or ``file.py:Class``) and ``arch_args``
    build the module a bare state_dict loads into: the caller's own choice, so it may name
    Python code. An architecture the file records for itself is built only when it is a zoo
    entry or ``trust_code`` is set (by default ``trust_pickle``, which trusts the file fully);
    Slimbench sets ``trust_code`` alone for files it has just written itself.
    ``inputs`` override example inputs.
    """
    args = _parse_arch_args(arch_args)
    code_trusted = trust_pickle if trust_code is None else trust_code
    text = str(spec)
    if text.startswith(ZOO_PREFIX):
        handle = _load_zoo(text[len(ZOO_PREFIX):])
    else:
        path = Path(text).expanduser()
        if not path.exists():
            raise ModelLoadError(f"There is no file or folder at {path}.")
        handle = (_load_folder(path) if path.is_dir()
                  else _load_file(path, arch, args, trust_pickle, code_trusted))
    handle.arch_given = arch is not None and handle.arch == arch
    handle.module.eval()
    if inputs:
        handle.example_inputs = tuple(input_spec.make() for input_spec in inputs)
    return handle


# --- zoo ---------------------------------------------------------------------------------


def _load_zoo(name: str) -> ModelHandle:
    from slimbench.engine import zoo

    entry = zoo.get_entry(name)
    module = zoo.build_model(name, pretrained=True)
    return ModelHandle(
        name=name,
        module=module,
        source="zoo",
        location=ZOO_PREFIX + name,
        example_inputs=entry.example_inputs(batch_size=1),
        data=zoo.load_dataset(entry.dataset, split="test"),
        arch=ZOO_PREFIX + name,
    )


# --- files -------------------------------------------------------------------------------


def _load_file(
    path: Path, arch: str | None, arch_args: dict[str, Any], trust_pickle: bool,
    trust_code: bool = False,
) -> ModelHandle:
    size = path.stat().st_size
    if size == 0:
        raise ModelLoadError(f"{path.name} is empty (0 bytes).")
    with path.open("rb") as stream:
        head = stream.read(16)

    if head.startswith(b"PK\x03\x04"):
        return _load_zip_archive(path, arch, arch_args, trust_pickle, trust_code)
    if _looks_like_safetensors(head, size):
        return _load_safetensors(path, arch, arch_args, trust_code)
    if head[:1] == b"\x80":
        # Legacy (non-zip) torch.save files are a sequence of pickles.
        payload = _torch_load(path, trust_pickle)
        return _handle_from_payload(path, payload, "state_dict", arch, arch_args, trust_code)
    from slimbench.engine.runtimes.onnx_files import load_onnx, looks_like_onnx

    if path.suffix.lower() == ".onnx" or looks_like_onnx(head):
        return load_onnx(path)  # protobuf, run by ONNX Runtime: nothing in it is executed
    raise ModelLoadError(
        f"{path.name} is not a format Slimbench reads: expected a torch.export program (.pt2), "
        "a TorchScript archive, a state_dict (.pt/.pth), a .safetensors file, an ONNX model "
        "(.onnx) or a Hugging Face model folder."
    )


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    (header_length,) = struct.unpack("<Q", head[:8])
    return 0 < header_length <= size - 8 and head[8:9] == b"{"


#: PyTorch stores archive members uncompressed, so what they unpack to is about the file's size.
#: Members declaring more than this (a zip bomb, or a corrupt directory) are refused unread.
_ZIP_MAX_EXPANSION = 16
_ZIP_SLACK_BYTES = 64 * 2**20


def _zip_members(path: Path) -> list[str]:
    """The member names of a zip archive, refusing a corrupt one or one that unpacks huge."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise ModelLoadError(
            f"{path.name} looks like a PyTorch archive but is truncated or corrupt "
            f"({_first_line(error)})."
        ) from None
    _refuse_zip_bomb(path.name, path.stat().st_size, infos)
    return [info.filename for info in infos]


def _refuse_zip_bomb(name: str, size: int, infos: list[zipfile.ZipInfo]) -> None:
    declared = sum(info.file_size for info in infos)
    if declared > _ZIP_MAX_EXPANSION * size + _ZIP_SLACK_BYTES:
        raise ModelLoadError(
            f"{name} is a zip archive of {size:,} bytes whose members claim to unpack to "
            f"{declared:,} bytes: it is corrupt or a zip bomb, and Slimbench did not unpack it."
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (which ``_zip_members`` checked).

    ``ZipFile.read`` inflates a deflated member whole before cutting it to its declared size,
    so a header that understates a bomb would still cost gigabytes there.
    """
    with archive.open(info) as stream:
        return stream.read(info.file_size)


def _load_zip_archive(
    path: Path, arch: str | None, arch_args: dict[str, Any], trust_pickle: bool,
    trust_code: bool = False,
) -> ModelHandle:
    members = _zip_members(path)
    tails = {member.split("/", 1)[-1] for member in members}
    if "models/model.json" in tails or "archive_format" in tails:
        return _load_exported(path, trust_pickle, trust_code)
    if "constants.pkl" in tails or any(tail.startswith("code/") for tail in tails):
        return _load_torchscript(path, trust_pickle)
    if "data.pkl" in tails:
        payload = _torch_load(path, trust_pickle)
        return _handle_from_payload(path, payload, "state_dict", arch, arch_args, trust_code)
    raise ModelLoadError(
        f"{path.name} is a zip archive but not one PyTorch wrote (no data.pkl, code/ or "
        "models/model.json inside)."
    )


def _load_exported(
    path: Path, trust_pickle: bool = False, trust_code: bool = False
) -> ModelHandle:
    if not trust_pickle:
        _refuse_code_in_exported(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = _load_program(path)
            # unflatten keeps the original module hierarchy, so per-layer hooks and FLOPs work.
            module = torch.export.unflatten(program)
    except Exception as error:  # torch raises many types for a damaged archive
        raise ModelLoadError(
            f"{path.name} is an exported program that could not be read: {_first_line(error)}."
        ) from None
    example = program.example_inputs
    example_inputs = None
    if example is not None:
        args, kwargs = example
        if not kwargs and all(isinstance(arg, torch.Tensor) for arg in args):
            example_inputs = tuple(arg.detach() for arg in args)
    meta = _read_sidecar_meta(path)
    notes = ["Exported programs run as recorded; their input shapes are fixed by the export."]
    arch = meta.get("arch") if isinstance(meta.get("arch"), str) else None
    if arch is not None and not trust_code and code_of_architecture(arch) is not None:
        # The program runs without it; only later jobs would build it, running that code.
        notes.append(f"The architecture {arch} named beside the file was not used: building "
                     "it would run Python code that was not trusted.")
        arch = None
    return ModelHandle(
        name=path.stem,
        module=module,
        source="export",
        location=str(path),
        example_inputs=example_inputs,
        data=_dataset_from_meta(meta),
        arch=arch,
        notes=notes,
        layer_types=_exported_layer_types(program),
    )


def _load_program(path: Path) -> Any:
    # An int8-static graph calls quantized_decomposed ops, which come with torchao: import it
    # (seconds) only for such programs.
    with zipfile.ZipFile(path) as archive:
        graphs = [info for info in archive.infolist() if "/models/" in info.filename and
                  info.filename.endswith(".json")]
        quantized = any(b"quantized_decomposed" in _read_member(archive, info) for info in graphs)
    if quantized:
        from slimbench.engine.quantize.saving import register_quantized_ops

        register_quantized_ops()
    return torch.export.load(str(path))


#: torch.load reads at most five pickles in a row from one stream (its legacy format).
_PICKLES_PER_STREAM = 8


class _GlobalFinder(pickle.Unpickler):
    """Reads pickle opcodes without importing or calling anything; stops at the first global.

    A pickle can only run code through a global it names (a class or function to call), so a
    stream in which this finds none is inert whatever reads it.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.found: str | None = None

    def find_class(self, module: str, name: str) -> Any:
        self.found = f"{module}.{name}"
        raise pickle.UnpicklingError("a global")

    def persistent_load(self, pid: Any) -> Any:
        return None


def _first_global(stream: Any) -> str | None:
    finder = _GlobalFinder(stream)
    for _ in range(_PICKLES_PER_STREAM):
        try:
            finder.load()
        except Exception:
            break
    return finder.found


def _weights_only_refusal(data: bytes, name: str) -> str | None:
    """None if ``torch.load(weights_only=True)`` reads ``data``; else what it refused."""
    if data.startswith(b"PK\x03\x04"):
        try:  # a zip inside the archive (torch.save's format): no bomb in there either
            with zipfile.ZipFile(io.BytesIO(data)) as nested:
                _refuse_zip_bomb(name, len(data), nested.infolist())
        except (zipfile.BadZipFile, ValueError, EOFError):
            return "not only tensors"
    else:
        check_legacy_storages(io.BytesIO(data), len(data), name)
    for attempt in range(2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
            return None
        except Exception as error:
            if attempt == 0 and "torchao." in str(error):
                from slimbench.engine.quantize.saving import register_safe_globals

                if register_safe_globals():
                    continue
            if "unsupported global" in str(error).lower():
                return _blocked_global(error)
            return "not only tensors"
    return "not only tensors"


def _refuse_code_in_exported(path: Path) -> None:
    """Refuse an exported program whose reading would unpickle objects or load native code.

    ``torch.export.load`` unpickles some members with ``weights_only=False`` (example inputs,
    tensor-subclass weights, opaque constants, older layouts) and loads AOTInductor shared
    libraries. Every member that could be unpickled into code (one naming a global, or a
    nested zip that ``torch.load`` would open) must read as plain tensors. (torch reads these
    members from memory, where it never takes its old tar format.)
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                member = info.filename.split("/", 1)[-1]
                if "aotinductor" in info.filename.lower():
                    blocked: str | None = f"compiled native code in {member}"
                elif info.filename.endswith(".json"):
                    # Symbolic shapes are parsed by sympy.sympify, which evaluates Python.
                    blocked = _unsafe_expression(_read_member(archive, info), member)
                else:
                    with archive.open(info) as stream:
                        nested = stream.read(4) == b"PK\x03\x04"  # torch.load opens a zip
                        stream.seek(0)
                        if not nested and _first_global(stream) is None:
                            continue
                    refusal = _weights_only_refusal(_read_member(archive, info), member)
                    blocked = None if refusal is None else f"{member}, {refusal}"
                if blocked is not None:
                    raise UntrustedPickleError(
                        f"{path.name} is an exported program holding pickled Python objects or "
                        f"compiled code ({blocked}), and loading it can run any code on this "
                        "computer; Slimbench refused it. Load it with --trust-pickle only if "
                        "you trust where the file came from."
                    )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, RuntimeError,
            NotImplementedError) as error:  # the last two: encrypted, unknown compression
        raise ModelLoadError(
            f"{path.name} is an exported program that is truncated or corrupt "
            f"({_first_line(error)})."
        ) from None


#: Names a shape expression of torch.export may use: sympy's and torch's symbolic functions.
_EXPRESSION_NAMES = frozenset({
    "Abs", "And", "BitwiseFn_bitwise_and", "BitwiseFn_bitwise_or", "CeilToInt", "CleanDiv",
    "Eq", "False", "FloatPow", "FloatTrueDiv", "FloorDiv", "FloorToInt", "Ge", "Gt",
    "Identity", "IntTrueDiv", "IsNonOverlappingAndDenseIndicator", "Le", "LShift", "Lt", "Max",
    "Min", "Mod", "ModularIndexing", "Ne", "Not", "OpaqueUnaryFn_sqrt", "Or", "Piecewise",
    "Pow", "PowByNatural", "PythonMod", "RShift", "RoundDecimal", "RoundToInt", "ToFloat",
    "True", "TruncToFloat", "TruncToInt", "Where", "ceiling", "floor", "oo", "sqrt", "zoo",
    # Symbol('s77', positive=True, integer=True) and its assumptions
    "Symbol", "Integer", "Rational", "Float", "positive", "negative", "nonnegative",
    "nonpositive", "integer", "real", "finite", "even", "odd", "zero", "nonzero",
})
_EXPRESSION_TEXT = re.compile(r"[A-Za-z0-9_\s+\-*/%().,<>=!&|~^]*")
_SYMBOL = re.compile(r"[a-z]+[0-9]+")


def _unsafe_expression(data: bytes, member: str) -> str | None:
    """The first symbolic expression in a JSON member that is not plain arithmetic on symbols
    (``s0``, ``u1``) with sympy's functions, or None: anything else could be Python code."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON after all: torch reports it if it matters
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "expr_str" and isinstance(item, str) and not _plain_expression(item):
                    return f"the shape expression {item[:60]!r} in {member}"
                pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)
    return None


def _plain_expression(text: str) -> bool:
    # A quoted symbol name ('s77') is the only string an expression needs.
    text = re.sub(r"'[a-z]+[0-9]+'|\"[a-z]+[0-9]+\"", "s0", text)
    if "__" in text or not _EXPRESSION_TEXT.fullmatch(text):
        return False
    return all(name in _EXPRESSION_NAMES or _SYMBOL.fullmatch(name)
               for name in re.findall(r"[A-Za-z_]\w*", text))


def _exported_layer_types(program: Any) -> dict[str, str]:
    types: dict[str, str] = {}
    for node in program.graph.nodes:
        for path, type_name in (node.meta.get("nn_module_stack") or {}).values():
            types.setdefault(path, str(type_name).rsplit(".", 1)[-1])
    return types


def _load_torchscript(path: Path, trust_pickle: bool = False) -> ModelHandle:
    if not trust_pickle:
        # Its scripted code runs inside torch.jit.load (a __setstate__), and TorchScript can
        # create and write files (torch.from_file with shared=True maps one writable).
        raise UntrustedPickleError(
            f"{path.name} is a TorchScript archive, whose code runs as it loads and can write "
            "files on this computer; Slimbench refused it. Load it with --trust-pickle only "
            "if you trust where the file came from."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as error:
        raise ModelLoadError(
            f"{path.name} is a TorchScript archive that could not be read: {_first_line(error)}."
        ) from None
    return ModelHandle(
        name=path.stem,
        module=module,
        source="torchscript",
        location=str(path),
        notes=[
            "TorchScript runs its submodules inside the script interpreter, so FLOPs and output "
            "shapes are known only for the whole model, not per layer."
        ],
    )


# --- torch.save's legacy (non-zip) format ---------------------------------------------------
#
# Four small pickles (magic number, protocol, system info; then the object, whose tensors name
# their storages by persistent id ('storage', type, key, location, element count, view)), a
# pickle of the storage keys, then each storage's data. torch allocates every storage at the
# count its id declares while it unpickles, before reading any data: a 4 KB file can declare
# terabytes, and a storage missing from the key list comes back as uninitialized memory.

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_ITEMSIZE = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
    "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
    "BoolStorage": 1, "ComplexDoubleStorage": 16, "ComplexFloatStorage": 8,
    "QUInt8Storage": 1, "QInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1,
    "QUInt2x4Storage": 1, "UntypedStorage": 1,
}


class _Inert:
    """Stands for whatever object a scanned pickle would build; takes any call or update."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return _Inert()

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass


class _StorageKind(_Inert):
    def __init__(self, itemsize: int = 16) -> None:
        self.itemsize = itemsize


class _StorageScan(pickle.Unpickler):
    """Reads a legacy pickle creating nothing (every global is inert) and records the bytes
    each storage it names declares."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream, encoding="latin1")
        self.declared: dict[str, int] = {}

    def find_class(self, module: str, name: str) -> Any:
        if name.endswith("Storage"):
            # Unknown types count at the largest element size; torch refuses them anyway.
            return _StorageKind(_STORAGE_ITEMSIZE.get(name, 16))
        return _Inert

    def persistent_load(self, pid: Any) -> Any:
        if isinstance(pid, tuple) and len(pid) >= 5 and pid[0] in ("storage", b"storage"):
            kind, key, count = pid[1], str(pid[2]), pid[4]
            if not isinstance(count, int) or count < 0:
                raise pickle.UnpicklingError("a storage of no valid size")
            itemsize = kind.itemsize if isinstance(kind, _StorageKind) else 16
            self.declared[key] = max(self.declared.get(key, 0), count * itemsize)
        return _Inert  # a type: a pickled module's class comes through here too


def check_legacy_storages(stream: Any, size: int, name: str) -> None:
    """Refuse a legacy (non-zip) ``torch.save`` stream whose storages declare more bytes than
    the stream holds, or that is not one, before torch allocates anything for it.

    ``stream`` is a seekable binary stream at the file's start; it is left at the start.
    """
    start = stream.tell()
    try:
        try:
            magic = _StorageScan(stream).load()
        except Exception:
            return  # not a pickle: torch reports what it is
        if magic != _LEGACY_MAGIC:
            return  # not torch.save's legacy format: torch reports what it is
        _StorageScan(stream).load()  # protocol version
        _StorageScan(stream).load()  # system info
        scan = _StorageScan(stream)
        scan.load()
        keys = _StorageScan(stream).load()
        left = start + size - stream.tell()
    except Exception:  # MemoryError too: a string that declares gigabytes
        raise ModelLoadError(
            f"{name} is corrupt or truncated: it is not a readable PyTorch file."
        ) from None
    finally:
        stream.seek(start)
    if not isinstance(keys, list) or {str(key) for key in keys} != set(scan.declared):
        raise ModelLoadError(
            f"{name} is corrupt: its list of tensor storages does not match its tensors."
        )
    # Each storage is stored whole after the pickles: an 8-byte count, then its bytes.
    declared = sum(scan.declared.values()) + 8 * len(scan.declared)
    if declared > left:
        raise ModelLoadError(
            f"{name} holds {left:,} bytes of tensor data but its tensors claim {declared:,}: "
            "it is truncated, corrupt or a memory bomb, and Slimbench allocated nothing for it."
        )


def _torch_load(path: Path, trust_pickle: bool) -> Any:
    try:
        with path.open("rb") as stream:
            zipped = stream.read(4) == b"PK\x03\x04"
            if not zipped:
                stream.seek(0)
                check_legacy_storages(stream, path.stat().st_size, path.name)
    except OSError as error:
        raise ModelLoadError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    if zipped:
        _zip_members(path)  # refuses a corrupt archive or a zip bomb before torch reads it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # torch words every failure "Weights only load failed"; only "Unsupported global"
        # means the file is intact and wants to create Python objects.
        if "unsupported global" not in str(error).lower():
            raise ModelLoadError(
                f"{path.name} is corrupt or truncated: it is not a readable PyTorch file."
            ) from None
        if "torchao." in str(error):
            # torchao's quantized tensors are data, allow-listed by the quantize engine.
            from slimbench.engine.quantize.saving import register_safe_globals

            if register_safe_globals():
                return _torch_load(path, trust_pickle)
        if not trust_pickle:
            raise UntrustedPickleError(
                f"{path.name} holds pickled Python objects ({_blocked_global(error)}), and "
                "unpickling them can run any code on this computer; Slimbench refused it. "
                "Load it with --trust-pickle only if you trust where the file came from."
            ) from None
    except Exception as error:
        raise ModelLoadError(
            f"{path.name} could not be read as a PyTorch file (truncated or corrupt?): "
            f"{_first_line(error)}."
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:
        raise ModelLoadError(
            f"{path.name} could not be unpickled even as trusted: {_first_line(error)}."
        ) from None


def _blocked_global(error: Exception) -> str:
    text = str(error)
    marker = "Unsupported global: GLOBAL "
    if marker in text:
        name = text.split(marker, 1)[1].split()[0]
        return f"first one: {name}"
    return "not only tensors"


def _load_safetensors(
    path: Path, arch: str | None, arch_args: dict[str, Any], trust_code: bool = False
) -> ModelHandle:
    try:
        from safetensors.torch import load_file
    except ImportError:  # pragma: no cover - safetensors is a dependency
        raise ModelLoadError("Reading .safetensors files needs the safetensors package.") from None
    try:
        state_dict = load_file(str(path))
    except Exception as error:
        raise ModelLoadError(
            f"{path.name} is not a readable safetensors file: {_first_line(error)}."
        ) from None
    return _handle_from_payload(path, state_dict, "safetensors", arch, arch_args, trust_code)


def _handle_from_payload(
    path: Path, payload: Any, source: str, arch: str | None, arch_args: dict[str, Any],
    trust_code: bool = False,
) -> ModelHandle:
    if isinstance(payload, Mapping):
        # A trusted checkpoint may hold the whole module under a conventional key.
        payload = next(
            (payload[key] for key in _CHECKPOINT_KEYS if isinstance(payload.get(key), nn.Module)),
            payload,
        )
    if isinstance(payload, nn.Module):
        return ModelHandle(name=path.stem, module=payload, source="pickle", location=str(path))
    meta: dict[str, Any] = {}
    if isinstance(payload, Mapping) and isinstance(payload.get(SLIMBENCH_META_KEY), Mapping):
        meta = dict(payload[SLIMBENCH_META_KEY])
    if isinstance(meta.get("quantization"), Mapping):
        # Quantized weights only fit after the scheme is re-applied to the architecture.
        from slimbench.engine.quantize.saving import handle_from_quantized_payload

        return handle_from_quantized_payload(path, payload, meta, source, arch, arch_args,
                                             trust_code=trust_code)
    state_dict = _find_state_dict(payload)
    if state_dict is None:
        raise ModelLoadError(
            f"{path.name} holds a {type(payload).__name__}, not model weights or a module."
        )
    if arch is None and meta.get("arch"):
        arch = str(meta["arch"])
        check_recorded_architecture(path.name, arch, trust_code)
        arch_args = {**dict(meta.get("arch_args") or {}), **arch_args}
    if arch is None:
        raise ArchitectureNeededError(
            f"{path.name} holds only weights (a state_dict of {len(state_dict)} tensors); name "
            "the architecture with --arch zoo:NAME, --arch module.path:Class or "
            "--arch file.py:Class."
        )
    module, entry_name = _build_architecture(arch, arch_args)
    if isinstance(meta.get("pruned"), Mapping):
        # A pruned model: reshape the fresh architecture to the recorded layer shapes first.
        from slimbench.engine.prune.saving import rebuild_pruned

        state_dict = rebuild_pruned(module, meta, state_dict)
    _load_state_dict_strictly(module, state_dict, path.name, arch)
    handle = ModelHandle(
        name=path.stem,
        module=module,
        source=source,
        location=str(path),
        arch=arch,
        arch_args=arch_args,
        data=_dataset_from_meta(meta),
    )
    return attach_zoo_data(handle, entry_name)


def attach_zoo_data(handle: ModelHandle, entry_name: str | None) -> ModelHandle:
    """Give a handle built on a zoo architecture that entry's example inputs and test data."""
    if entry_name is not None:
        from slimbench.engine import zoo

        entry = zoo.get_entry(entry_name)
        handle.example_inputs = entry.example_inputs(batch_size=1)
        if handle.data is None:
            handle.data = zoo.load_dataset(entry.dataset, split="test")
    return handle


def _find_state_dict(payload: Any) -> dict[str, torch.Tensor] | None:
    if _is_state_dict(payload):
        return dict(payload)
    if isinstance(payload, Mapping):
        for key in _CHECKPOINT_KEYS:
            if _is_state_dict(payload.get(key)):
                return dict(payload[key])
    return None


def _is_state_dict(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())
    )


def _load_state_dict_strictly(
    module: nn.Module, state_dict: Mapping[str, torch.Tensor], file_name: str, arch: str
) -> None:
    expected = module.state_dict()
    missing = [key for key in expected if key not in state_dict]
    unexpected = [key for key in state_dict if key not in expected]
    wrong_shape = [
        f"{key} (file {_shape_text(state_dict[key])}, model {_shape_text(expected[key])})"
        for key in expected
        if key in state_dict and state_dict[key].shape != expected[key].shape
    ]
    if missing or unexpected or wrong_shape:
        problems = []
        if missing:
            problems.append(f"{len(missing)} missing (first: {missing[0]})")
        if unexpected:
            problems.append(f"{len(unexpected)} unexpected (first: {unexpected[0]})")
        if wrong_shape:
            problems.append(f"{len(wrong_shape)} of the wrong shape (first: {wrong_shape[0]})")
        raise ArchitectureMismatchError(
            f"The weights in {file_name} do not fit {arch}: {'; '.join(problems)}; check --arch "
            "and --arch-args."
        )
    module.load_state_dict(state_dict, strict=True)


def _shape_text(tensor: torch.Tensor) -> str:
    return "x".join(str(size) for size in tensor.shape) or "scalar"


# --- architectures -----------------------------------------------------------------------


def _parse_arch_args(arch_args: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if arch_args is None:
        return {}
    if isinstance(arch_args, Mapping):
        return dict(arch_args)
    try:
        parsed = json.loads(arch_args)
    except json.JSONDecodeError as error:
        raise ModelLoadError(
            f"--arch-args is not valid JSON ({error.msg} at character {error.pos}); "
            """write it like '{"classes": 10}'."""
        ) from None
    if not isinstance(parsed, dict):
        raise ModelLoadError("--arch-args must be a JSON object such as '{\"classes\": 10}'.")
    return parsed


#: Libraries Slimbench itself runs on: building one of their layers (``torch.nn:Linear``)
#: imports nothing a stranger wrote, so a file may name them without being trusted.
TRUSTED_LIBRARIES = frozenset({"torch", "slimbench"})


def code_of_architecture(arch: str) -> str | None:
    """The Python file or module that building ``arch`` runs; None for a zoo entry or a
    class of a library Slimbench already runs on."""
    if arch.startswith(ZOO_PREFIX):
        return None
    location = arch.rpartition(":")[0] or arch
    if not location.endswith(".py") and location.split(".", 1)[0] in TRUSTED_LIBRARIES:
        return None
    return location


def check_recorded_architecture(file_name: str, arch: str, trusted: bool) -> None:
    """Refuse an architecture a file names for itself when building it would run Python code
    the user has not trusted (a stranger's file could name ``./evil.py:Net``)."""
    code = code_of_architecture(arch)
    if trusted or code is None:
        return
    runs = (f"runs the Python file {code}" if code.endswith(".py")
            else f"imports the Python module {code}")
    raise UntrustedCodeError(
        f"{file_name} names its architecture {arch}, and building it {runs}, which can do "
        "anything on this computer; Slimbench refused it. Load it with --trust-pickle only if "
        "you trust that code, or name the architecture yourself with --arch.",
        arch=arch, code=code,
    )


def _build_architecture(arch: str, arch_args: dict[str, Any]) -> tuple[nn.Module, str | None]:
    """Build the module named by ``arch``; also return the zoo name when it is a zoo entry."""
    if arch.startswith(ZOO_PREFIX):
        from slimbench.engine import zoo

        name = arch[len(ZOO_PREFIX):]
        entry = zoo.get_entry(name)
        return _construct(entry.model_class, {**entry.model_args, **arch_args}, arch), name
    location, sep, class_name = arch.rpartition(":")
    if not sep or not location or not class_name:
        raise ModelLoadError(
            f"--arch '{arch}' is not zoo:NAME, module.path:ClassName or path/to/file.py:ClassName."
        )
    if location.endswith(".py"):
        cls = _class_from_file(Path(location).expanduser(), class_name, arch)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as error:
            raise ModelLoadError(
                f"Cannot import module '{location}' for --arch: {error}."
            ) from None
        cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ModelLoadError(f"{arch} does not name an nn.Module class.")
    return _construct(cls, arch_args, arch), None


def _class_from_file(path: Path, class_name: str, arch: str) -> Any:
    if not path.is_file():
        raise ModelLoadError(f"The architecture file {path} does not exist.")
    module_name = f"slimbench_user_arch_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"Cannot import {path} as Python code.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise ModelLoadError(
            f"Running {path.name} to define {class_name} failed: {_first_line(error)}."
        ) from None
    return getattr(module, class_name, None)


def _construct(cls: type, arch_args: dict[str, Any], arch: str) -> nn.Module:
    try:
        return cls(**arch_args)
    except Exception as error:  # the user's class may raise anything for bad arguments
        raise ModelLoadError(
            f"Cannot build {arch} with --arch-args {arch_args}: {error}."
        ) from None


# --- folders -----------------------------------------------------------------------------


def _load_folder(path: Path) -> ModelHandle:
    if (path / "config.json").is_file():
        from slimbench.engine.huggingface import load_huggingface_folder

        return load_huggingface_folder(path)
    raise ModelLoadError(
        f"The folder {path} is not a Hugging Face model folder (it has no config.json)."
    )


# --- sidecar metadata --------------------------------------------------------------------


def _read_sidecar_meta(path: Path) -> dict[str, Any]:
    """Metadata Slimbench writes beside an exported program (``NAME.pt2.json``)."""
    sidecar = path.with_name(path.name + ".json")
    if not sidecar.is_file():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _dataset_from_meta(meta: Mapping[str, Any]) -> TensorDataset | None:
    name = meta.get("dataset")
    if not isinstance(name, str):
        return None
    from slimbench.engine import zoo

    try:
        return zoo.load_dataset(name, split="test")
    except Exception:
        return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0].rstrip(".")[:300]


def load_job(spec: str | Path, **options: Any) -> Generator[Any, None, ModelHandle]:
    """``load_model`` as a job, so the window can load large files on a worker thread."""
    from slimbench.engine.jobs import Progress

    yield Progress(0, 1, f"Loading {spec}")
    handle = load_model(spec, **options)
    yield Progress(1, 1, f"Loaded {handle.name}")
    return handle
