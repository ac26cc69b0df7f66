"""Per-layer differences between two variants of a model (A and B), with per-layer latency.

``layer_diff(a, b)`` matches the two module trees by path and returns one row per layer in
pre-order (a view indents by ``depth``): what kind of layer it is on each side, its parameters,
channels, weight dtype and (when measured) eager latency, and in plain words what changed.

``per_layer_latency(handle)`` times every module of an eager model with forward hooks;
``layer_diff_job(a, b)`` inspects and times both variants and diffs them. Qt-free.
"""

from __future__ import annotations

import copy
import re
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import torch
from torch import nn

from slimbench.engine.devices import resolve_device, synchronize
from slimbench.engine.errors import InputSpecError
from slimbench.engine.inspection import InspectResult, LayerNode, inspect_job
from slimbench.engine.jobs import Job, Progress, run_job
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import make_batch

SAME = "same"
CHANGED = "changed"
REMOVED = "removed"
ADDED = "added"
STATUSES = (SAME, CHANGED, REMOVED, ADDED)

#: Between the value in A and the value in B in ``changes``.
ARROW = " → "


@dataclass
class LayerDiffRow:
    """One layer of A, of B or of both, matched by module path (``""`` is the whole model).

    ``*_a`` fields are None where the layer is absent from A (status ``added``), ``*_b`` where
    it is absent from B (``removed``). ``params`` count the whole subtree, like
    :class:`LayerNode`; ``dtype`` is the stored dtype of the layer's own weight (``int8`` for a
    quantized one), None for a layer without weights. ``latency_ms`` is the median eager time
    of the module (its children included), None where it was not measured or never ran.
    ``changes`` says what differs in plain words, e.g. ``"channels 64 → 32"``.
    """

    path: str
    depth: int
    type_a: str | None
    type_b: str | None
    params_a: int | None
    params_b: int | None
    channels_a: int | None
    channels_b: int | None
    dtype_a: str | None
    dtype_b: str | None
    latency_ms_a: float | None
    latency_ms_b: float | None
    status: str
    changes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The last part of the path (``""`` for the whole model)."""
        return self.path.rsplit(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def to_json(rows: list[LayerDiffRow]) -> list[dict[str, Any]]:
    """The rows as plain dicts (JSON-ready), in the same order."""
    return [row.to_json() for row in rows]


# --- the diff ------------------------------------------------------------------------------


def layer_diff(
    a: InspectResult,
    b: InspectResult,
    latency_a: dict[str, float] | None = None,
    latency_b: dict[str, float] | None = None,
    *,
    module_a: nn.Module | None = None,
    module_b: nn.Module | None = None,
) -> list[LayerDiffRow]:
    """Rows for every layer of ``a`` and ``b``, matched by path, in pre-order.

    A layer only in ``a`` appears once, with status ``removed``, at its place in ``a``'s tree;
    one only in ``b`` with status ``added``, after the layer that precedes it in ``b`` (and,
    like a text diff, after what ``a`` lost there).
    torch.ao's packed-parameter holders are left out (their quantized layer counts them).
    ``module_a``/``module_b`` (the inspected modules, optional) sharpen two things the
    inspection cannot see: quantized modules' own names (``DynamicQuantizedLinear`` where the
    class is called ``Linear``) and weights kept packed or wrapped in tensor subclasses.
    """
    types_a, dtypes_a = _module_details(module_a)
    types_b, dtypes_b = _module_details(module_b)
    rows: list[LayerDiffRow] = []

    def row_for(node_a: LayerNode | None, node_b: LayerNode | None, depth: int) -> None:
        node = node_a if node_a is not None else node_b
        assert node is not None
        path = node.path
        dtype_a = _node_dtype(node_a, dtypes_a)
        dtype_b = _node_dtype(node_b, dtypes_b)
        type_a = None if node_a is None else types_a.get(path, node_a.type)
        type_b = None if node_b is None else types_b.get(path, node_b.type)
        row = LayerDiffRow(
            path=path,
            depth=depth,
            type_a=type_a,
            type_b=type_b,
            params_a=None if node_a is None else node_a.params,
            params_b=None if node_b is None else node_b.params,
            channels_a=None if node_a is None else node_a.channels,
            channels_b=None if node_b is None else node_b.channels,
            dtype_a=dtype_a,
            dtype_b=dtype_b,
            latency_ms_a=None if node_a is None or latency_a is None else latency_a.get(path),
            latency_ms_b=None if node_b is None or latency_b is None else latency_b.get(path),
            status=SAME,
        )
        _classify(row)
        rows.append(row)
        for child_a, child_b in _paired_children(node_a, node_b):
            row_for(child_a, child_b, depth + 1)

    row_for(a.tree, b.tree, 0)
    return rows


def _paired_children(
    node_a: LayerNode | None, node_b: LayerNode | None
) -> list[tuple[LayerNode | None, LayerNode | None]]:
    """Children of both nodes matched by path: A's order, B's extra children inserted after
    the child that precedes them in B (or first, when nothing does) and after the children
    of A that B lost there."""
    children_a = [] if node_a is None else _shown(node_a.children)
    children_b = [] if node_b is None else _shown(node_b.children)
    by_path_b = {child.path: child for child in children_b}
    order = [child.path for child in children_a]
    known = set(order)
    previous: str | None = None
    for child in children_b:
        if child.path not in known:
            position = 0 if previous is None else order.index(previous) + 1
            # Like a text diff: what A lost comes before what B gained in its place.
            while position < len(order) and order[position] not in by_path_b:
                position += 1
            order.insert(position, child.path)
            known.add(child.path)
        previous = child.path
    by_path_a = {child.path: child for child in children_a}
    return [(by_path_a.get(path), by_path_b.get(path)) for path in order]


def _shown(children: list[LayerNode]) -> list[LayerNode]:
    """Children without torch.ao's packed-parameter holders (``_packed_params``): their
    weights are already counted by the quantized layer that owns them, and listing them would
    report an implementation detail as an added layer."""
    return [child for child in children if not child.type.endswith("PackedParams")]


def _classify(row: LayerDiffRow) -> None:
    if row.type_a is None:
        row.status = ADDED
        row.changes = ["added"]
        return
    if row.type_b is None:
        row.status = REMOVED
        row.changes = ["removed"]
        return
    changes = []
    if row.type_a != row.type_b:
        changes.append(f"{row.type_a}{ARROW}{row.type_b}")
    if row.channels_a != row.channels_b:
        changes.append(
            f"channels {_plain(row.channels_a)}{ARROW}{_plain(row.channels_b)}"
        )
    if row.params_a != row.params_b:
        changes.append(f"params {compact_count(row.params_a)}{ARROW}{compact_count(row.params_b)}")
    if row.dtype_a != row.dtype_b:
        changes.append(f"{row.dtype_a or 'no weight'}{ARROW}{row.dtype_b or 'no weight'}")
    row.changes = changes
    row.status = CHANGED if changes else SAME


def _plain(value: int | None) -> str:
    return "none" if value is None else str(value)


def compact_count(value: int | None) -> str:
    """``147968`` -> ``148 k``, ``36992`` -> ``37 k``, ``2776522`` -> ``2.78 M``; below 1000
    exact. Qt-free (the widgets' ``format_count`` is translated)."""
    if value is None:
        return "none"
    units = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
    for index, (scale, unit) in enumerate(units):
        if abs(value) >= scale:
            text = _three_significant(value / scale)
            if abs(float(text)) >= 1000 and index > 0:  # 999,999 rounds to "1000 k": go up
                scale, unit = units[index - 1]
                text = _three_significant(value / scale)
            return f"{text} {unit}"
    return str(int(value))


def _digits_before_point(value: float) -> int:
    magnitude = abs(value)
    return 1 if magnitude < 10 else 2 if magnitude < 100 else 3


def _three_significant(value: float) -> str:
    decimals = max(0, 3 - _digits_before_point(value))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --- dtypes and names of quantized layers ----------------------------------------------------

#: torch's quantized dtypes, by the storage they stand for.
_QUANTIZED_DTYPES = {"qint8": "int8", "quint8": "uint8", "qint32": "int32", "quint4x2": "uint4",
                     "quint2x4": "uint2"}
#: A torchao tensor subclass names its storage: Int8Tensor, Int4PreshuffledTensor, Float8Tensor.
_SUBCLASS_DTYPE = re.compile(r"^(U?Int|Float|NF)(\d+)")


def _normalize_dtype(text: str | None) -> str | None:
    """An inspection dtype label (``qint8``, ``int8 (Int8Tensor)``, ``uint8 (Int4Tensor)``)
    as the storage dtype alone (``int8``, ``int8``, ``int4``)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\S+)\s*\((\w+)\)\s*", text)
    if match:
        named = _dtype_from_class_name(match.group(2))
        return named or _normalize_dtype(match.group(1))
    return _QUANTIZED_DTYPES.get(text, text)


def _dtype_from_class_name(name: str) -> str | None:
    match = _SUBCLASS_DTYPE.match(name)
    if match is None:
        return None
    return f"{match.group(1).lower()}{match.group(2)}"


def tensor_dtype(tensor: torch.Tensor) -> str:
    """The dtype a weight is stored in: ``float32``, ``int8`` for torch quantized tensors and
    torchao's subclasses (whose outer dtype is the float they compute in), ``int4``..."""
    if tensor.is_quantized:
        name = str(tensor.dtype).removeprefix("torch.")
        return _QUANTIZED_DTYPES.get(name, name)
    if type(tensor) in (torch.Tensor, nn.Parameter):
        return str(tensor.dtype).removeprefix("torch.")
    named = _dtype_from_class_name(type(tensor).__name__)
    if named:
        return named
    target = getattr(tensor, "target_dtype", None)  # torchao IntxUnpackedToInt8Tensor
    if isinstance(target, torch.dtype):
        return str(target).removeprefix("torch.")
    quant_min = getattr(tensor, "quant_min", None)  # torchao AffineQuantizedTensor
    quant_max = getattr(tensor, "quant_max", None)
    if isinstance(quant_min, int) and isinstance(quant_max, int) and quant_max > quant_min:
        bits = (quant_max - quant_min).bit_length()
        return f"{'uint' if quant_min >= 0 else 'int'}{bits}"
    qdata = getattr(tensor, "qdata", None)
    if isinstance(qdata, torch.Tensor):
        return str(qdata.dtype).removeprefix("torch.")
    return str(tensor.dtype).removeprefix("torch.")


def weight_dtype(module: nn.Module) -> str | None:
    """The stored dtype of the module's own weight, or None for a module without one.

    Reads ``weight`` as a tensor (torchao keeps a tensor subclass there) or as a method
    (torch.ao's quantized Linear/Conv keep weight and bias packed and hand them out by calls);
    otherwise the module's first own parameter.
    """
    weight = getattr(module, "weight", None)
    if callable(weight) and not isinstance(weight, torch.Tensor):
        try:
            weight = weight()
        except Exception:
            weight = None
    if isinstance(weight, torch.Tensor):
        return tensor_dtype(weight)
    for param in module.parameters(recurse=False):
        return tensor_dtype(param)
    return None


def _module_details(module: nn.Module | None) -> tuple[dict[str, str], dict[str, str | None]]:
    """Types where a module's own name differs from its class name, and weight dtypes."""
    if module is None or isinstance(module, torch.jit.ScriptModule):
        return {}, {}
    types: dict[str, str] = {}
    dtypes: dict[str, str | None] = {}
    for path, sub in module.named_modules():
        try:
            own_name = sub._get_name()
        except Exception:
            own_name = type(sub).__name__
        if own_name != type(sub).__name__:
            types[path] = own_name
        dtypes[path] = weight_dtype(sub)
    return types, dtypes


def _node_dtype(node: LayerNode | None, dtypes: dict[str, str | None]) -> str | None:
    if node is None:
        return None
    if node.path in dtypes:
        return dtypes[node.path]
    return _normalize_dtype(node.dtype)


# --- per-layer latency ------------------------------------------------------------------------


def per_layer_latency(
    handle: ModelHandle, *, batch_size: int = 32, repeats: int = 5, device: str = "cpu",
    warmup: int = 2,
) -> dict[str, float] | None:
    """Median eager time in ms of every module, by path (``""`` is the whole model).

    A forward pre-hook and a forward hook on every module (containers included, so their time
    includes their children's) read the clock, synchronizing CUDA first on a GPU; a module
    called several times per pass (a shared activation) counts the sum. ``warmup`` passes
    run first, then ``repeats`` timed ones under ``torch.inference_mode`` on
    ``make_batch(handle, batch_size)``. Modules that never run (a ModuleList) are absent.
    The hooks themselves cost a few microseconds per module, so tiny layers read high.

    Returns None, rather than failing, where per-layer times cannot be had: a TorchScript
    module runs its graph without calling Python hooks on its submodules; a torch.fx
    GraphModule (what pt2e quantization or ``torch.export`` leave) has inlined the original
    layers into one graph, so there are no modules under their original names to hook; and a
    ``torch.compile``'d module runs one compiled graph.

    The handle's module is never changed: the hooks go when timing ends (on an error too) and
    where ``device`` is not where the module lives, a copy is moved there instead.
    """
    if not _hookable(handle.module):
        return None
    timer = _LayerTimer(handle, resolve_device(device), batch_size)
    with timer:
        for _ in range(warmup):
            timer.run()
        for _ in range(repeats):
            timer.record(timer.run())
    return timer.medians()


class _LayerTimer:
    """Hooks on every module of one model; :meth:`run` times one forward pass.

    Used as a context manager: the hooks live only inside it (removed in ``__exit__`` even
    when a pass fails), and the module's train/eval flags are restored.
    """

    def __init__(self, handle: ModelHandle, device: torch.device, batch_size: int) -> None:
        self.name = handle.name
        self.device = device
        root = handle.module
        self.module = root
        if _module_device(root) != device:
            try:
                self.module = copy.deepcopy(root).to(device)
            except Exception as error:
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise InputSpecError(
                    f"{handle.name} cannot be moved to {device} to time its layers: "
                    f"{first[:200]}."
                ) from None
        self.inputs = tuple(tensor.to(device) for tensor in make_batch(handle, batch_size))
        self._sync = device.type in ("cuda", "mps")
        self._current: dict[str, float] = {}
        self._started: dict[str, list[float]] = {}
        self._samples: dict[str, list[float]] = {}
        self._hooks: list[Any] = []
        self._modes: list[tuple[nn.Module, bool]] = []

    def __enter__(self) -> _LayerTimer:
        try:
            for path, sub in self.module.named_modules():
                self._hooks.append(sub.register_forward_pre_hook(self._pre_hook(path)))
                self._hooks.append(
                    sub.register_forward_hook(self._post_hook(path), always_call=True)
                )
            self._modes = [(sub, sub.training) for sub in self.module.modules()]
            self.module.eval()
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._remove()

    def _remove(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []
        for sub, training in self._modes:
            sub.training = training
        self._modes = []

    def _pre_hook(self, path: str) -> Callable[..., None]:
        def record(_module: nn.Module, _inputs: Any) -> None:
            if self._sync:
                synchronize(self.device)
            self._started.setdefault(path, []).append(time.perf_counter())

        return record

    def _post_hook(self, path: str) -> Callable[..., None]:
        def record(_module: nn.Module, _inputs: Any, _output: Any) -> None:
            if self._sync:
                synchronize(self.device)
            stack = self._started.get(path)
            if stack:
                elapsed = (time.perf_counter() - stack.pop()) * 1000.0
                self._current[path] = self._current.get(path, 0.0) + elapsed

        return record

    def run(self) -> dict[str, float]:
        """One forward pass: ms per module path."""
        self._current = {}
        self._started = {}
        try:
            with torch.inference_mode():
                self.module(*self.inputs)
        except Exception as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise InputSpecError(
                f"{self.name} failed on {self.device} while timing its layers: {first[:200]}."
            ) from None
        return self._current

    def record(self, times: dict[str, float]) -> None:
        for path, elapsed in times.items():
            self._samples.setdefault(path, []).append(elapsed)

    def medians(self) -> dict[str, float]:
        return {path: statistics.median(values) for path, values in self._samples.items()}


def paired_layer_latency(
    a: ModelHandle, b: ModelHandle, *, batch_size: int = 32, repeats: int = 5,
    device: str = "cpu", warmup: int = 2,
) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """:func:`per_layer_latency` of both variants, their passes taken in turn (A, B, A, B…)
    so that load from other processes falls on both alike. A variant without example inputs,
    or one that cannot be hooked, gets None."""
    return run_job(paired_latency_job(
        a, b, batch_size=batch_size, repeats=repeats, device=device, warmup=warmup
    ))


def paired_latency_job(
    a: ModelHandle, b: ModelHandle, *, batch_size: int = 32, repeats: int = 5,
    device: str = "cpu", warmup: int = 2,
) -> Job[tuple[dict[str, float] | None, dict[str, float] | None]]:
    """:func:`paired_layer_latency` as a job: one Progress per round (closing it between
    rounds removes the hooks)."""
    target = resolve_device(device)
    timers = [
        _LayerTimer(handle, target, batch_size)
        if handle.example_inputs is not None and _hookable(handle.module)
        else None
        for handle in (a, b)
    ]
    total = warmup + repeats
    with ExitStack() as stack:
        active = [stack.enter_context(timer) for timer in timers if timer is not None]
        for round_ in range(total):
            timed = round_ >= warmup
            yield Progress(
                round_, total,
                f"Timing layers, run {round_ - warmup + 1}/{repeats}" if timed
                else f"Warming up, run {round_ + 1}/{warmup}",
            )
            for timer in active:
                times = timer.run()
                if timed:
                    timer.record(times)
    yield Progress(total, total, "Timed")
    first, second = (None if timer is None else timer.medians() for timer in timers)
    return first, second


def _hookable(module: nn.Module) -> bool:
    if isinstance(module, torch.jit.ScriptModule):
        return False
    if type(module).__name__ == "OptimizedModule" or hasattr(module, "_orig_mod"):
        return False
    return not any(isinstance(sub, torch.fx.GraphModule) for sub in module.modules())


def _module_device(module: nn.Module) -> torch.device:
    for tensor in module.parameters():
        return resolve_device(str(tensor.device))
    for tensor in module.buffers():
        return resolve_device(str(tensor.device))
    return torch.device("cpu")


# --- the job ----------------------------------------------------------------------------------


def layer_diff_job(
    a: ModelHandle,
    b: ModelHandle,
    *,
    measure_latency: bool = True,
    batch_size: int = 32,
    repeats: int = 5,
    device: str = "cpu",
    inspection_a: InspectResult | None = None,
    inspection_b: InspectResult | None = None,
) -> Job[list[LayerDiffRow]]:
    """Inspect both variants (unless their inspections are given), time their layers on the
    same device, batch and number of runs, and diff them. Neither input is changed.

    Latency is skipped for a variant without example inputs or whose layers cannot be timed
    (see :func:`per_layer_latency`); its latency fields are then None.
    """
    warmup = 2
    timing_steps = warmup + repeats + 1 if measure_latency else 0
    total = 3 + timing_steps
    step = 0
    inspections = []
    for label, handle, given in (("A", a, inspection_a), ("B", b, inspection_b)):
        yield Progress(step, total, f"Inspecting {label}: {handle.name}")
        if given is None:
            given = run_job(inspect_job(handle))
        inspections.append(given)
        step += 1
    latencies: tuple[dict[str, float] | None, dict[str, float] | None] = (None, None)
    if measure_latency:
        latencies = yield from forward_progress(
            paired_latency_job(
                a, b, batch_size=batch_size, repeats=repeats, device=device, warmup=warmup
            ),
            step, total,
        )
        step += timing_steps
    yield Progress(step, total, "Matching the layers")
    rows = layer_diff(
        inspections[0], inspections[1], latencies[0], latencies[1],
        module_a=a.module, module_b=b.module,
    )
    changed = sum(row.status != SAME for row in rows)
    yield Progress(total, total, "Done", {"rows": len(rows), "changed": changed})
    return rows


T = TypeVar("T")


def forward_progress(job: Job[T], offset: int, total: int) -> Job[T]:
    """Re-yield a sub-job's Progress as steps ``offset .. offset + its total`` of ``total``;
    closing the outer job closes the sub-job (and so removes its hooks)."""
    try:
        while True:
            progress = next(job)
            yield Progress(offset + progress.step, total, progress.message, progress.metrics)
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()
