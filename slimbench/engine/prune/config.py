"""What a pruning job is asked to do, and what it hands back."""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from typing import Any

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import ModelHandle

STRUCTURED = "structured"
UNSTRUCTURED = "unstructured"
SEMI_STRUCTURED = "semi-structured-2:4"
METHODS = (STRUCTURED, UNSTRUCTURED, SEMI_STRUCTURED)

#: Importance criteria per method. ``l1``/``l2`` are magnitudes, ``taylor`` is |weight x grad|
#: over a few batches of the model's data, ``lamp`` is layer-adaptive magnitude.
IMPORTANCES = {
    STRUCTURED: ("l1", "l2", "taylor", "lamp", "random"),
    UNSTRUCTURED: ("l1", "random"),
    SEMI_STRUCTURED: ("l1",),
}

_METHOD_ALIASES = {
    "2:4": SEMI_STRUCTURED,
    "semi-structured": SEMI_STRUCTURED,
    "semi_structured": SEMI_STRUCTURED,
    "semistructured": SEMI_STRUCTURED,
    "channel": STRUCTURED,
    "channels": STRUCTURED,
    "magnitude": UNSTRUCTURED,
    "sparse": UNSTRUCTURED,
}


class PruneError(SlimbenchError):
    """Pruning cannot be done as asked; the original model is unchanged."""


@dataclass
class PruneConfig:
    """How to prune, and how to measure the result.

    ``amount`` is the fraction of channels (structured), of weights (unstructured) removed;
    2:4 always removes half of each group of four. ``layer_ratios`` overrides it per module
    path pattern (``fnmatch`` style, ``stages.2`` also covers ``stages.2.*``); ``skip`` lists
    patterns of modules left exactly as they are (inputs and outputs). The final classifier is
    always left with its outputs. ``head_ratio`` is the fraction of attention heads removed
    (default: ``amount``); heads go whole, so the head size never changes.
    """

    method: str = STRUCTURED
    amount: float = 0.5
    importance: str = "l1"
    global_pruning: bool = False
    layer_ratios: dict[str, float] = field(default_factory=dict)
    skip: tuple[str, ...] = ()
    round_to: int | None = 8
    iterative_steps: int = 1
    head_ratio: float | None = None
    #: Structured: no layer loses more than this fraction (matters for global ranking).
    max_layer_ratio: float = 0.9
    #: Taylor importance: batches of the model's own data to accumulate gradients over.
    taylor_batches: int = 4
    taylor_batch_size: int = 64
    seed: int = 0
    # --- measurement (before and after, same device, dtype, threads and inputs) ---
    measure: bool = True
    device: str = "cpu"
    dtype: str = "float32"
    #: Latency is measured at each batch size; METRICS' ``latency_ms`` is the first one.
    batch_sizes: tuple[int, ...] = (32, 1)
    threads: int | None = None
    #: Timed calls of each model: ``bench_repeats x bench_rounds``, before and after in turn
    #: (one call each), so load from other processes on a shared machine falls on both alike.
    bench_repeats: int = 20
    bench_rounds: int = 2
    #: Stop timing a batch size after about twice this many seconds (at least 5 calls each).
    bench_max_seconds: float = 5.0
    max_eval_samples: int | None = 4096
    #: The runtime before and after are timed on: eager, compiled (both torch.compiled, the
    #: compile time in the notes) or onnxruntime (both exported and run by ONNX Runtime);
    #: None is eager, as it always was. A model that cannot run there (a 2:4 model does not
    #: export to ONNX) is measured on the next runtime that works, and a note says why.
    runtime: str | None = None

    def __post_init__(self) -> None:
        self.method = normalize_method(self.method)
        if self.runtime is not None:
            self.runtime = str(self.runtime).strip().lower()
        self.importance = self.importance.strip().lower()
        self.skip = tuple(self.skip)
        self.batch_sizes = tuple(int(b) for b in self.batch_sizes) or (1,)
        self.layer_ratios = {str(k): float(v) for k, v in dict(self.layer_ratios).items()}

    def validate(self) -> None:
        allowed = IMPORTANCES[self.method]
        if self.importance not in allowed:
            raise PruneError(
                f"Importance '{self.importance}' does not apply to {self.method} pruning; "
                f"use one of {', '.join(allowed)}."
            )
        ratios = [self.amount, *self.layer_ratios.values()]
        if self.head_ratio is not None:
            ratios.append(self.head_ratio)
        for ratio in ratios:
            if not 0.0 <= ratio < 1.0:
                raise PruneError(
                    f"A pruning ratio must be at least 0 and below 1 (got {ratio:g}); "
                    "0.5 removes half of the channels or weights."
                )
        if self.iterative_steps < 1:
            raise PruneError("iterative_steps must be at least 1.")
        if self.round_to is not None and self.round_to < 1:
            raise PruneError("round_to must be a positive number of channels, or None.")
        if any(b < 1 for b in self.batch_sizes):
            raise PruneError("Every benchmark batch size must be at least 1.")
        if self.runtime is not None and self.measure:
            check_measure_runtime(self.runtime, self.device, self.dtype)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["skip"] = list(self.skip)
        data["batch_sizes"] = list(self.batch_sizes)
        return data


def check_measure_runtime(runtime: str, device: str, dtype: str = "float32") -> str:
    """The runtime's canonical name, or a one-line error when it cannot measure on
    ``device`` in ``dtype`` (checked before any model is touched)."""
    from slimbench.engine.runtimes.availability import ONNXRUNTIME, check_runtime
    from slimbench.engine.runtimes.bench import canonical_runtime

    name = canonical_runtime(runtime)
    assert name is not None
    check_runtime(name, device)
    if name == ONNXRUNTIME and dtype.strip().lower().removeprefix("torch.") not in (
            "float32", "float"):
        raise PruneError(
            f"ONNX Runtime runs the float32 export, not {dtype}; measure in float32 or pick "
            "the eager or compiled runtime."
        )
    return name


def normalize_method(name: str) -> str:
    key = name.strip().lower()
    key = _METHOD_ALIASES.get(key, key)
    if key not in METHODS:
        raise PruneError(
            f"Unknown pruning method '{name}'; use one of {', '.join(METHODS)}."
        )
    return key


def path_matches(path: str, pattern: str) -> bool:
    """``pattern`` names ``path`` itself or one of its ancestors (fnmatch wildcards allowed)."""
    pattern = pattern.strip()
    if not pattern:
        return False
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + ".*")


def matching_ratio(path: str, layer_ratios: dict[str, float]) -> float | None:
    """The ratio of the last pattern in ``layer_ratios`` that covers ``path``, if any."""
    found = None
    for pattern, ratio in layer_ratios.items():
        if path_matches(path, pattern):
            found = ratio
    return found


@dataclass
class LayerChange:
    """Channel counts of one layer before and after (``heads`` for attention modules)."""

    path: str
    type: str
    before: dict[str, int]
    after: dict[str, int]
    sparsity_before: float | None = None
    sparsity_after: float | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.sparsity_before != self.sparsity_after

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "type": self.type,
            "before": dict(self.before),
            "after": dict(self.after),
        }
        if self.sparsity_after is not None:
            data["sparsity"] = {"before": self.sparsity_before, "after": self.sparsity_after}
        return data


@dataclass
class PruneResult:
    """The pruned model (a new handle), METRICS before and after, per-layer changes, notes.

    ``before``/``after`` follow DESIGN.md's METRICS; ``output`` is set by whoever saves the
    model. ``sparse_size_bytes`` is the file size when saved sparse-compressed, where that is
    smaller than the dense file (unstructured and 2:4 results).
    """

    handle: ModelHandle
    method: str
    config: PruneConfig
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    layers: list[LayerChange]
    notes: list[str]
    sparse_size_bytes: int | None = None
    output: str | None = None
    seconds: float = 0.0
    #: Automatic ratios (``auto_prune_job``): the target, what was reached and the plan.
    auto: dict[str, Any] | None = None
    #: The sensitivity scan an automatic plan was chosen from (a SensitivityResult).
    sensitivity: Any = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "output": self.output,
            "before": self.before,
            "after": self.after,
            "notes": list(self.notes),
            "method": self.method,
            "config": self.config.to_json(),
            "layers": [layer.to_json() for layer in self.layers if layer.changed],
            "sparse_size_bytes": self.sparse_size_bytes,
            "seconds": self.seconds,
            # The runtime that timed before and after (it may differ from the one asked for,
            # config.runtime, when the model could not run there: the notes say why).
            "runtime": (self.after or {}).get("runtime"),
        }
        if self.auto is not None:
            document["auto"] = dict(self.auto)
        return document
