"""Pruning: structured (channels, neurons, heads), unstructured (masks) and 2:4 (GPU).

Qt-free. Jobs follow the engine's shape: generators that yield Progress and return a result,
never touching their input.

- ``prune_job(handle, PruneConfig(...))`` -> ``PruneResult`` (METRICS before/after, layers)
- ``sensitivity_job(handle, ratios, method)`` -> ``SensitivityResult``; ``auto_ratios`` (or the
  job ``auto_plan_job``) picks per-layer ratios from it for a target fraction of the parameters,
  the file size or the measured latency
- ``auto_prune_job(handle, 0.5, "latency", config=...)`` -> ``PruneResult``: scan, plan and
  prune in one job (its ``auto`` holds the target, what was reached and the ratios)
- ``recover_job(pruned, teacher, RecoveryConfig(...))`` -> ``RecoveryResult`` (fine-tuning,
  optionally distilling from the unpruned teacher; best checkpoint kept on cancel)
- ``save_pruned`` / ``load_pruned`` / ``rebuild_pruned``: files that record the pruned
  architecture (and optionally store sparse weights compressed)
"""

from slimbench.engine.prune.auto import auto_prune_job, reached_fraction
from slimbench.engine.prune.config import (
    IMPORTANCES,
    METHODS,
    SEMI_STRUCTURED,
    STRUCTURED,
    UNSTRUCTURED,
    LayerChange,
    PruneConfig,
    PruneError,
    PruneResult,
)
from slimbench.engine.prune.job import prune_job, prune_model
from slimbench.engine.prune.metrics import measure_pair
from slimbench.engine.prune.recovery import (
    RecoveryConfig,
    RecoveryResult,
    recover_job,
    training_data,
)
from slimbench.engine.prune.saving import (
    SavedModel,
    checkpoint_payload,
    load_pruned,
    rebuild_pruned,
    save_pruned,
)
from slimbench.engine.prune.semistructured import NEEDS_GPU, check_semi_structured
from slimbench.engine.prune.sensitivity import (
    TARGET_KINDS,
    AutoPlan,
    SensitivityResult,
    auto_plan_job,
    auto_ratios,
    sensitivity_job,
)
from slimbench.engine.prune.structured import PrunableUnit, structured_units

__all__ = [
    "IMPORTANCES",
    "METHODS",
    "NEEDS_GPU",
    "SEMI_STRUCTURED",
    "STRUCTURED",
    "TARGET_KINDS",
    "UNSTRUCTURED",
    "AutoPlan",
    "LayerChange",
    "PrunableUnit",
    "PruneConfig",
    "PruneError",
    "PruneResult",
    "RecoveryConfig",
    "RecoveryResult",
    "SavedModel",
    "SensitivityResult",
    "auto_plan_job",
    "auto_prune_job",
    "auto_ratios",
    "check_semi_structured",
    "checkpoint_payload",
    "load_pruned",
    "measure_pair",
    "prune_job",
    "prune_model",
    "reached_fraction",
    "rebuild_pruned",
    "recover_job",
    "save_pruned",
    "sensitivity_job",
    "structured_units",
    "training_data",
]
