"""Quantization: dynamic, static (calibrated), weight-only int8/int4 and fp16/bf16 casts.

Every job works on a copy of the model and measures the result against the original on the
same device, thread count and inputs. Qt-free.

    from slimbench.engine.quantize import QuantizeConfig, quantize_job
    result = run_job(quantize_job(handle, QuantizeConfig("int8-dynamic")))
    result.to_json(output="model-int8.pt")   # {"output", "before", "after", "notes", ...}
"""

from slimbench.engine.quantize.jobs import QuantizeResult, quantize_job
from slimbench.engine.quantize.metrics import (
    Candidate,
    CompareSettings,
    Metrics,
    compare_metrics_job,
)
from slimbench.engine.quantize.runtime import CompiledRunner, Runner, make_runner
from slimbench.engine.quantize.saving import (
    load_quantized,
    register_quantized_ops,
    register_safe_globals,
    save_quantized,
)
from slimbench.engine.quantize.schemes import (
    BASELINES,
    ENGINES,
    SCHEMES,
    QuantizeConfig,
    QuantizeError,
    Scheme,
)
from slimbench.engine.quantize.sensitivity import (
    LayerSensitivity,
    SensitivityResult,
    sensitivity_job,
)

__all__ = [
    "BASELINES",
    "ENGINES",
    "SCHEMES",
    "Candidate",
    "CompareSettings",
    "CompiledRunner",
    "LayerSensitivity",
    "Metrics",
    "QuantizeConfig",
    "QuantizeError",
    "QuantizeResult",
    "Runner",
    "Scheme",
    "SensitivityResult",
    "compare_metrics_job",
    "load_quantized",
    "make_runner",
    "quantize_job",
    "register_quantized_ops",
    "register_safe_globals",
    "save_quantized",
    "sensitivity_job",
]
