"""Fuzzing every loader: whatever a file holds, loading ends in a result or a one-line
SlimbenchError, never another exception, a crash, a hang or gigabytes of memory.

Example counts are modest (the file runs in well under a minute on two cores).
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import random
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch import nn

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import load_model

ARCH = "zoo:mlp-digits"
ROOT = Path(__file__).resolve().parents[2]
#: Longest a single load may take before it counts as a hang.
HANG_SECONDS = 20.0

#: Examples per fuzz test; raise it for a deeper run (SLIMBENCH_FUZZ_EXAMPLES=500 pytest ...).
EXAMPLES = int(os.environ.get("SLIMBENCH_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def ends_cleanly(call: Callable[[], Any]) -> Any:
    """Run a loader: it returns, or raises a SlimbenchError with one line; nothing else."""
    start = time.monotonic()
    try:
        return call()
    except SlimbenchError as error:
        text = str(error)
        assert text.strip(), f"{type(error).__name__} with an empty message"
        assert "\n" not in text and "\r" not in text, f"not one line: {text!r}"
        assert "Traceback" not in text, text
        return error
    finally:
        elapsed = time.monotonic() - start
        assert elapsed < HANG_SECONDS, f"the load took {elapsed:.1f} s"


def must_fail(call: Callable[[], Any]) -> SlimbenchError:
    outcome = ends_cleanly(call)
    assert isinstance(outcome, SlimbenchError), f"loaded a broken file: {outcome!r}"
    return outcome


# --- genuine files of every kind ---------------------------------------------------------------


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid file per format: weights of mlp-digits, an exported program, safetensors,
    Slimbench's pruned and quantized files (torch.ao and torchao)."""
    from safetensors.torch import save_file

    from slimbench.engine.jobs import run_job
    from slimbench.engine.prune import PruneConfig, prune_job, save_pruned
    from slimbench.engine.quantize import QuantizeConfig, save_quantized
    from slimbench.engine.quantize.jobs import build_quantized_job

    folder = tmp_path_factory.mktemp("genuine")
    handle = load_model(ARCH)
    files = {"state_dict": folder / "digits.pt", "safetensors": folder / "digits.safetensors",
             "export": folder / "tiny.pt2"}
    torch.save(handle.module.state_dict(), files["state_dict"])
    save_file({k: v.contiguous() for k, v in handle.module.state_dict().items()},
              str(files["safetensors"]))
    torch.manual_seed(0)
    tiny = nn.Sequential(nn.Linear(4, 3)).eval()
    torch.export.save(torch.export.export(tiny, (torch.randn(1, 4),)), str(files["export"]))
    pruned = run_job(prune_job(handle, PruneConfig(amount=0.5, measure=False))).handle
    files["pruned"] = save_pruned(pruned, folder / "pruned.pt").path
    for engine in ("legacy", "torchao"):
        built = run_job(build_quantized_job(
            handle, QuantizeConfig("int8-dynamic", compile=False, engine=engine)))
        quantized = copy.copy(handle)
        quantized.module = built.module
        files[f"quantized-{engine}"] = save_quantized(quantized, folder / f"q-{engine}.pt")
    return files


def loaders_for(kind: str) -> list[Callable[[Path], Any]]:
    """The loaders a file of ``kind`` goes through: load_model always, Slimbench's own too."""
    from slimbench.engine.prune.saving import load_pruned
    from slimbench.engine.quantize.saving import load_quantized
    from slimbench.engine.report.models import inspect_model_file

    def through_load_model(path: Path) -> Any:
        return load_model(path, arch=ARCH if kind in ("state_dict", "safetensors") else None)

    def through_report(path: Path) -> Any:
        return inspect_model_file(path, "variant", "technique")

    loaders = [through_load_model, through_report]
    if kind == "pruned":
        loaders.append(load_pruned)
    if kind.startswith("quantized") or kind == "export":
        loaders.append(load_quantized)
    return loaders


def test_the_genuine_files_load(genuine: dict[str, Path]) -> None:
    """The control: every fuzzed file below starts from a file that loads."""
    for kind, path in genuine.items():
        for loader in loaders_for(kind):
            outcome = ends_cleanly(functools.partial(loader, path))
            assert not isinstance(outcome, SlimbenchError), (kind, loader.__name__, outcome)


# --- random bytes -------------------------------------------------------------------------------

#: Starts that steer noise into each format branch: zip, pickle, safetensors header, nothing.
_STARTS = st.sampled_from([
    b"", b"PK\x03\x04", b"\x80\x02", b"\x80", struct.pack("<Q", 16) + b"{",
    struct.pack("<Q", 2**63 - 1) + b"{", b"{",
])


@FUZZ
@given(start=_STARTS, noise=st.binary(max_size=3000),
       suffix=st.sampled_from([".pt", ".pt2", ".safetensors", ".pth", ""]))
def test_random_bytes_never_escape_as_another_error(
    tmp_path: Path, start: bytes, noise: bytes, suffix: str
) -> None:
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(start + noise)
    must_fail(lambda: load_model(path))
    must_fail(lambda: load_model(path, arch=ARCH))


# --- truncated files ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["state_dict", "export", "safetensors", "pruned",
                                  "quantized-legacy", "quantized-torchao"])
@settings(max_examples=max(1, EXAMPLES * 5 // 6), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 1.0, exclude_max=True))
def test_a_file_truncated_anywhere_fails_cleanly(
    genuine: dict[str, Path], tmp_path: Path, kind: str, fraction: float
) -> None:
    data = genuine[kind].read_bytes()
    path = tmp_path / f"cut{genuine[kind].suffix}"
    path.write_bytes(data[: int(fraction * len(data))])
    for loader in loaders_for(kind):
        outcome = ends_cleanly(functools.partial(loader, path))
        if loader.__name__ != "through_report":  # the report only describes the file
            assert isinstance(outcome, SlimbenchError), (kind, loader.__name__)


# --- corrupted members --------------------------------------------------------------------------


def _member_choices(path: Path) -> list[str]:
    """Members worth corrupting: the pickle, tensor storages, the graph and its configs."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return [name for name in names
            if name.endswith(("data.pkl", ".json")) or "/data/" in name]


@pytest.mark.parametrize("kind", ["state_dict", "export", "pruned", "quantized-legacy",
                                  "quantized-torchao"])
@FUZZ
@given(data=st.data())
def test_a_zip_with_a_corrupted_member_fails_cleanly(
    genuine: dict[str, Path], tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    """Bytes flipped inside one member, the zip rewritten (so its CRCs are right again)."""
    source = genuine[kind]
    member = data.draw(st.sampled_from(_member_choices(source)), label="member")
    with zipfile.ZipFile(source) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    body = bytearray(contents[member])
    if body:
        for position in data.draw(st.lists(st.integers(0, len(body) - 1), min_size=1,
                                           max_size=8), label="positions"):
            body[position] ^= data.draw(st.integers(1, 255), label="mask")
    else:
        body = bytearray(data.draw(st.binary(min_size=1, max_size=16), label="content"))
    contents[member] = bytes(body)
    path = tmp_path / f"corrupt{source.suffix}"
    with zipfile.ZipFile(path, "w") as out:
        for name, content in contents.items():
            out.writestr(name, content)
    for loader in loaders_for(kind):
        ends_cleanly(functools.partial(loader, path))  # a flipped weight may still load


@pytest.mark.parametrize("kind", ["state_dict", "export", "pruned", "quantized-torchao"])
@FUZZ
@given(positions=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=6),
       seed=st.integers(0, 2**16))
def test_bytes_flipped_in_the_file_itself_fail_cleanly(
    genuine: dict[str, Path], tmp_path: Path, kind: str, positions: list[float], seed: int
) -> None:
    """Damage on disk: CRCs, headers and the central directory no longer agree."""
    data = bytearray(genuine[kind].read_bytes())
    rng = random.Random(seed)
    for fraction in positions:
        data[int(fraction * len(data))] ^= rng.randrange(1, 256)
    path = tmp_path / f"flipped{genuine[kind].suffix}"
    path.write_bytes(bytes(data))
    for loader in loaders_for(kind):
        ends_cleanly(functools.partial(loader, path))


def _header_offsets(path: Path) -> list[tuple[int, int]]:
    """(local header, central directory entry) offsets of each member of a zip."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        central = archive.start_dir  # type: ignore[attr-defined]
    offsets = []
    for info in infos:
        assert data[central:central + 4] == b"PK\x01\x02"
        offsets.append((info.header_offset, central))
        name, extra, comment = struct.unpack("<HHH", data[central + 28:central + 34])
        central += 46 + name + extra + comment
    return offsets


@pytest.mark.parametrize("kind", ["state_dict", "export", "pruned"])
@FUZZ
@given(data=st.data())
def test_members_with_odd_flags_or_compression_fail_cleanly(
    genuine: dict[str, Path], tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    """Encrypted members, unknown compression methods, versions too new: zipfile raises
    RuntimeError and NotImplementedError for those, which must not escape."""
    source = genuine[kind]
    body = bytearray(source.read_bytes())
    offsets = _header_offsets(source)
    for local, central in data.draw(st.lists(st.sampled_from(offsets), min_size=1, max_size=3,
                                             unique=True), label="members"):
        method = data.draw(st.sampled_from([0, 1, 6, 8, 9, 12, 14, 93, 99]), label="method")
        flags = data.draw(st.sampled_from([0, 1, 8, 0x41]), label="flags")
        version = data.draw(st.sampled_from([20, 45, 63, 217]), label="version needed")
        struct.pack_into("<HHH", body, local + 4, version, flags, method)
        struct.pack_into("<HHH", body, central + 6, version, flags, method)
    path = tmp_path / f"odd{source.suffix}"
    path.write_bytes(bytes(body))
    for loader in loaders_for(kind):
        ends_cleanly(functools.partial(loader, path))


# --- zip bombs ----------------------------------------------------------------------------------

_BLOCK = 2**20
BOMB_BYTES = 2**31  # 2 GiB of zeros, about 2 MB compressed


@functools.lru_cache(maxsize=1)
def _zeros_stream(size: int) -> tuple[bytes, int, int, bytes]:
    """(one deflated MiB of zeros, how many, CRC of all, final block): a stream to repeat."""
    chunk = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = chunk.compress(b"\0" * _BLOCK) + chunk.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = b"\0" * _BLOCK
    for _ in range(size // _BLOCK):
        crc = zlib.crc32(zeros, crc)
    return block, size // _BLOCK, crc, zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def write_zip(path: Path, members: dict[str, bytes | int], declare: int | None = None,
              prefix: bytes = b"") -> None:
    """Write a zip member by member; an int member is that many zeros, deflated, streamed.

    ``declare`` overrides the uncompressed size written for the zero members (a lying header,
    its CRC then wrong too), and ``prefix`` puts bytes before their zeros.
    """
    entries = []
    with path.open("wb") as out:
        for name, content in members.items():
            offset = out.tell()
            raw = name.encode()
            if isinstance(content, bytes):
                crc, size, usize, method = zlib.crc32(content), len(content), len(content), 0
                parts: list[tuple[bytes, int]] = [(content, 1)]
            else:
                block, count, crc, tail = _zeros_stream(content)
                start = zlib.compressobj(9, zlib.DEFLATED, -15)
                head = start.compress(prefix) + start.flush(zlib.Z_FULL_FLUSH) if prefix else b""
                size, method = len(head) + len(block) * count + len(tail), 8
                usize = content if declare is None else declare
                parts = [(head, 1), (block, count), (tail, 1)]
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, size,
                                  usize, len(raw), 0) + raw)
            for part, count in parts:
                for _ in range(count):
                    out.write(part)
            entries.append((raw, method, crc, size, usize, offset))
        directory = out.tell()
        for raw, method, crc, size, usize, offset in entries:
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                                  crc, size, usize, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        length = out.tell() - directory
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                              length, directory, 0))


def bombed(source: Path, target: Path, tail: str, declare: int | None = None,
           prefix: bytes = b"") -> Path:
    """``source`` with its member ending in ``tail`` replaced by 2 GiB of deflated zeros."""
    with zipfile.ZipFile(source) as archive:
        members: dict[str, bytes | int] = {
            info.filename: BOMB_BYTES if info.filename.endswith(tail) else archive.read(info)
            for info in archive.infolist()
        }
    assert BOMB_BYTES in members.values(), tail
    write_zip(target, members, declare, prefix)
    return target


_BOMB_SCRIPT = r"""
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import load_model
from slimbench.engine.distill.data import load_distill_data
from slimbench.engine.prune.saving import load_pruned
from slimbench.engine.quantize.saving import load_quantized
from slimbench.engine.report.models import inspect_model_file

teacher = load_model("zoo:mlp-digits")
loaders = {
    "load_model": lambda p: load_model(p, arch="zoo:mlp-digits"),
    "load_pruned": load_pruned,
    "load_quantized": load_quantized,
    "load_distill_data": lambda p: load_distill_data(str(p), teacher),
    "inspect_model_file": lambda p: inspect_model_file(Path(p), "v", "t").kind,
}
def status_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


results = []
for path in sys.argv[1:]:
    for name, loader in loaders.items():
        # The memory this load adds: the high-water mark is reset first (Linux clear_refs),
        # so what the imports and the teacher took before does not count.
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        before = status_kb("VmRSS")
        try:
            outcome = {"returned": str(loader(path))[:100]}
        except SlimbenchError as error:
            outcome = {"error": type(error).__name__, "message": str(error)}
        except BaseException as error:
            outcome = {"escaped": type(error).__name__, "message": str(error)[:300]}
        outcome.update(file=path.rsplit("/", 1)[-1], loader=name,
                       grew_mb=(status_kb("VmHWM") - before) // 1024)
        results.append(outcome)
print(json.dumps(results))
"""


def test_zip_bombs_are_refused_without_unpacking(genuine: dict[str, Path], tmp_path: Path) -> None:
    """2 GiB members (the pickle, a storage, an exported program's inputs) in 2 MB files.

    Loaded in a child process under a 3 GiB address-space limit: every loader must refuse
    them with a SlimbenchError (or, for the report, describe them) and stay small in memory.
    """
    sources = {
        "pickle-bomb.pt": ("state_dict", "data.pkl"),
        "storage-bomb.pt": ("state_dict", "data/0"),
        "pruned-bomb.pt": ("pruned", "data.pkl"),
        "program-bomb.pt2": ("export", "sample_inputs/model.pt"),
    }
    bombs = [bombed(genuine[kind], tmp_path / name, tail)
             for name, (kind, tail) in sources.items()]
    # Headers that lie low: a reader that stops at the declared size sees only corruption
    # (Python's ZipFile.read does not stop: it inflates everything, then cuts).
    lying = {
        "lying-bomb.pt": ("state_dict", "data.pkl", b""),
        "lying-graph.pt2": ("export", "models/model.json", b"{"),
        "lying-inputs.pt2": ("export", "sample_inputs/model.pt", b"PK\x03\x04"),
    }
    bombs += [bombed(genuine[kind], tmp_path / name, tail, declare=4096, prefix=prefix)
              for name, (kind, tail, prefix) in lying.items()]
    # A bomb nested in a member: an exported program's inputs are a torch.save zip.
    small = tmp_path / "small.pt"
    torch.save((torch.zeros(1, 4),), small)
    inner = bombed(small, tmp_path / "inner.pt", "data.pkl").read_bytes()
    nested = tmp_path / "nested-bomb.pt2"
    with zipfile.ZipFile(genuine["export"]) as archive, zipfile.ZipFile(nested, "w") as out:
        for info in archive.infolist():
            content = archive.read(info)
            out.writestr(info, inner if info.filename.endswith("sample_inputs/model.pt")
                         else content)
    bombs.append(nested)
    kinds = [kind for kind, *_ in [*sources.values(), *lying.values()]] + ["export"]
    for bomb, kind in zip(bombs, kinds, strict=True):
        assert bomb.stat().st_size < genuine[kind].stat().st_size + 4 * 2**20  # streamed
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_SCRIPT, *map(str, bombs)],
        capture_output=True, text=True, timeout=240, cwd=ROOT, check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == 5 * len(bombs)
    for outcome in results:
        assert "escaped" not in outcome, outcome
        if outcome["loader"] != "inspect_model_file":  # the report describes, never unpacks
            assert "error" in outcome, outcome
            assert "\n" not in outcome["message"], outcome
        assert outcome["grew_mb"] < 256, outcome  # nothing was unpacked (a bomb is 2 GiB)
    refusals = [o for o in results if o["loader"] == "load_model"
                and not o["file"].startswith("lying")]
    assert all("zip bomb" in o["message"] for o in refusals), refusals


# --- distillation data --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _teacher() -> Any:
    return load_model(ARCH)


def _distill(path: Path) -> Any:
    from slimbench.engine.distill.data import load_distill_data

    return load_distill_data(str(path), _teacher())


_CELLS = st.one_of(
    st.integers(-5, 12).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "label", "target", "class", "x", "nan", "inf", "-0", "1e999",
                     "\"1\"", "1,2", "é", "\x00"]),
    st.text(max_size=6),
)


@FUZZ
@example(rows=[["label"]], header=None, raw=None)  # a header and no rows: found by this test
@example(rows=[["1"]] * 12, header=["label"], raw=None)  # labels and no inputs
@example(rows=[["1", "2" * 200_000]] * 12, header=None, raw=None)  # over csv's field limit
@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=5), max_size=25),
       header=st.none() | st.lists(st.sampled_from(["a", "b", "label", "target", "class", ""]),
                                   min_size=1, max_size=5),
       raw=st.none() | st.binary(max_size=200))
def test_random_csv_ends_in_data_or_a_dataset_error(
    tmp_path: Path, rows: list[list[str]], header: list[str] | None,
    raw: bytes | None
) -> None:
    path = tmp_path / "data.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        lines = ([",".join(header)] if header else []) + [",".join(row) for row in rows]
        path.write_text("\n".join(lines), encoding="utf-8")
    outcome = ends_cleanly(lambda: _distill(path))
    if not isinstance(outcome, SlimbenchError):
        train, test = outcome
        assert len(train) + len(test) >= 10


_DTYPES = st.sampled_from([torch.float32, torch.float16, torch.int64, torch.uint8, torch.bool,
                           torch.complex64, torch.float64])
_TENSORS = st.builds(
    lambda shape, dtype, seed: (torch.randn(shape, generator=torch.Generator().manual_seed(seed))
                                * 4).to(dtype),
    st.lists(st.integers(0, 14), max_size=3).map(tuple), _DTYPES, st.integers(0, 99),
)
_PAYLOADS = st.recursive(
    _TENSORS | st.none() | st.integers(-3, 3) | st.text(max_size=4) | st.floats(),
    lambda inner: (st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(st.sampled_from(["inputs", "labels", "x", "y", "data"]),
                                     inner, max_size=3)),
    max_leaves=5,
)


@FUZZ
@given(payload=_PAYLOADS)
def test_random_tensor_payloads_end_in_data_or_a_dataset_error(
    tmp_path: Path, payload: Any
) -> None:
    path = tmp_path / "data.pt"
    torch.save(payload, path)
    ends_cleanly(lambda: _distill(path))


@FUZZ
@given(inputs=_TENSORS, labels=_TENSORS, layout=st.sampled_from(["pair", "dict", "folder"]))
def test_inputs_and_labels_that_do_not_match_end_cleanly(
    tmp_path: Path, inputs: torch.Tensor, labels: torch.Tensor, layout: str
) -> None:
    """Wrong rank, wrong length, wrong dtype, negative or fractional labels."""
    if layout == "folder":
        path = tmp_path / "folder"
        path.mkdir(exist_ok=True)
        torch.save(inputs, path / "inputs.pt")
        torch.save(labels, path / "labels.pt")
    else:
        path = tmp_path / "data.pt"
        torch.save((inputs, labels) if layout == "pair" else {"inputs": inputs, "labels": labels},
                   path)
    ends_cleanly(lambda: _distill(path))


@FUZZ
@given(noise=st.binary(max_size=2000), start=_STARTS,
       suffix=st.sampled_from([".pt", ".pth", ".bin", ""]))
def test_random_bytes_as_distillation_data_are_a_dataset_error(
    tmp_path: Path, noise: bytes, start: bytes, suffix: str
) -> None:
    from slimbench.engine.errors import DatasetError

    path = tmp_path / f"data{suffix}"
    path.write_bytes(start + noise)
    assert isinstance(must_fail(lambda: _distill(path)), DatasetError)


def test_fuzz_helpers_catch_a_foreign_exception() -> None:
    """The check itself: an exception that is not a SlimbenchError fails the test."""
    with pytest.raises(ValueError):
        ends_cleanly(lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert isinstance(ends_cleanly(lambda: io.BytesIO(b"x").read()), bytes)


# --- torch.save's legacy (non-zip) format -------------------------------------------------------


def legacy_bytes(payload: Any, declare: Callable[[int], int] | None = None,
                 keys: bool = True) -> bytes:
    """``payload`` in torch.save's legacy format. ``declare`` rewrites the element count each
    storage declares (its data stays as it is); ``keys=False`` writes an empty storage list, so
    torch would hand back storages it never filled."""
    import pickle
    import types

    class Pickler(pickle._Pickler):  # type: ignore[name-defined,misc]
        def save_pers(self, pid: Any) -> None:
            if declare is not None and isinstance(pid, tuple) and pid[0] == "storage":
                pid = (*pid[:4], declare(pid[4]), *pid[5:])
            super().save_pers(pid)

    def dump(obj: Any, stream: Any, protocol: int = 2) -> None:
        pickle.dump([] if not keys and isinstance(obj, list) else obj, stream, protocol=protocol)

    module = types.ModuleType("crafted_pickle")
    module.Pickler = Pickler  # type: ignore[attr-defined]
    module.dump = dump  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    torch.save(payload, buffer, pickle_module=module, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _legacy_digits() -> bytes:
    return legacy_bytes(load_model(ARCH).module.state_dict())


def _legacy_loaders(path: Path) -> list[Callable[[], Any]]:
    from slimbench.engine.autosave import load_any
    from slimbench.engine.prune.saving import load_pruned

    return [lambda: load_model(path, arch=ARCH), lambda: load_pruned(path),
            lambda: load_any(path), lambda: _distill(path)]


def test_a_genuine_legacy_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "legacy.pt"
    path.write_bytes(_legacy_digits())
    assert load_model(path, arch=ARCH).source == "state_dict"
    # Views into one storage, empty tensors, every dtype, a checkpoint around them.
    base = torch.arange(24.0)
    dtypes = [torch.float16, torch.bfloat16, torch.int64, torch.bool, torch.uint8,
              torch.complex64, torch.float64, torch.int8]
    payload = {"views": [base[2:5], base[::3], base], "empty": torch.zeros(2, 0),
               "dtypes": [torch.ones(3, dtype=dtype) for dtype in dtypes], "epoch": 3}
    path.write_bytes(legacy_bytes(payload))
    from slimbench.engine.loading import _torch_load

    assert _torch_load(path, trust_pickle=False)["epoch"] == 3


@pytest.mark.parametrize("declared", [lambda n: n + 1, lambda n: 2**31, lambda n: 2**40,
                                      lambda n: 2**62, lambda n: -1],
                         ids=["one-more", "8GiB", "4TiB", "overflow", "negative"])
def test_a_legacy_size_bomb_is_refused_before_torch_allocates(
    tmp_path: Path, declared: Callable[[int], int]
) -> None:
    """Each storage claims more elements than its data: torch allocates the claim first
    (2**31 floats is 8 GiB for a 4 KB file), so the refusal must come before torch runs."""
    path = tmp_path / "bomb.pt"
    path.write_bytes(legacy_bytes({"w": torch.ones(1000)}, declare=declared))
    assert path.stat().st_size < 10_000
    error = must_fail(lambda: load_model(path, arch=ARCH))
    # Refused by Slimbench's scan, in its words: torch (and its allocator) never saw it.
    expected = "corrupt or truncated" if declared(1000) < 0 else "memory bomb"
    assert expected in str(error) and "alloc_cpu" not in str(error), error
    for load in _legacy_loaders(path):
        must_fail(load)


def test_legacy_storages_torch_never_fills_are_refused(tmp_path: Path) -> None:
    """An empty storage list: torch would return 8 GiB of uninitialized memory as a tensor."""
    path = tmp_path / "unfilled.pt"
    path.write_bytes(legacy_bytes({"w": torch.ones(10)}, declare=lambda n: 2**31, keys=False))
    assert "does not match" in str(must_fail(lambda: load_model(path, arch=ARCH)))
    for load in _legacy_loaders(path):
        must_fail(load)


@FUZZ
@example(declared=7)
@given(declared=st.integers(-(2**64), 2**64))
def test_a_legacy_storage_claiming_more_than_its_data_fails_cleanly(
    tmp_path: Path, declared: int
) -> None:
    """Claims above the true count (7) are refused; torch itself sizes a storage that claims
    less by the count stored with its data (bounded by the file), so those may load."""
    path = tmp_path / "declared.pt"
    data = legacy_bytes({"w": torch.ones(7)}, declare=lambda n: declared)
    path.write_bytes(data)
    from slimbench.engine.loading import _torch_load

    outcome = ends_cleanly(lambda: _torch_load(path, trust_pickle=False))
    if declared > 7 or declared < 0:
        assert isinstance(outcome, SlimbenchError), (declared, outcome)
    if declared == 7:
        assert torch.equal(outcome["w"], torch.ones(7))


@settings(max_examples=max(1, EXAMPLES * 5 // 6), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 1.0, exclude_max=True))
def test_a_legacy_file_truncated_anywhere_fails_cleanly(tmp_path: Path, fraction: float) -> None:
    data = _legacy_digits()
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: int(fraction * len(data))])
    for load in _legacy_loaders(path):
        must_fail(load)


@FUZZ
@given(positions=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=6),
       seed=st.integers(0, 2**16), in_pickles=st.booleans())
def test_bytes_flipped_in_a_legacy_file_fail_cleanly(
    tmp_path: Path, positions: list[float], seed: int, in_pickles: bool
) -> None:
    """Damage anywhere, or (half the time) only in the pickles before the tensor data."""
    data = bytearray(_legacy_digits())
    span = data.index(b"\x80\x02", 40) + 600 if in_pickles else len(data)
    rng = random.Random(seed)
    for fraction in positions:
        data[int(fraction * span)] ^= rng.randrange(1, 256)
    path = tmp_path / "flipped.pt"
    path.write_bytes(bytes(data))
    for load in _legacy_loaders(path):
        ends_cleanly(load)  # a flipped weight may still load


def test_a_legacy_bomb_in_a_hugging_face_folder_is_refused(tmp_path: Path) -> None:
    """transformers reads pytorch_model.bin with torch.load: the same scan comes first."""
    pytest.importorskip("transformers")
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (folder / "pytorch_model.bin").write_bytes(
        legacy_bytes({"w": torch.ones(10)}, declare=lambda n: 2**40))
    assert "memory bomb" in str(must_fail(lambda: load_model(folder)))
