"""Comparing variants: every model on every device, measured the same way, with a frontier."""

from slimbench.engine.compare.measurement import (
    CompareConfig,
    CompareError,
    VariantInput,
    compare,
    compare_job,
    roofline,
)
from slimbench.engine.compare.results import (
    Comparison,
    DeviceRecord,
    Measurement,
    Roofline,
    VariantRecord,
    frontier,
    quality_of,
)

__all__ = [
    "CompareConfig",
    "CompareError",
    "Comparison",
    "DeviceRecord",
    "Measurement",
    "Roofline",
    "VariantInput",
    "VariantRecord",
    "compare",
    "compare_job",
    "frontier",
    "quality_of",
    "roofline",
]
