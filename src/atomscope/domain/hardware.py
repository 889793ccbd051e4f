"""Hardware classes and the memory a model needs at a quantization: the rule the `runnability` metric, the
audit and the model page share (memory = parameters x bits / 8 x 1.2; a mixture-of-experts model needs all its
parameters)."""

from __future__ import annotations

OVERHEAD = 1.2
QUANTIZATIONS: tuple[tuple[str, int], ...] = (("bf16", 16), ("int8", 8), ("q4", 4))
CLASSES: tuple[tuple[str, float], ...] = (
    ("8gb", 8.0),
    ("16gb", 16.0),
    ("24gb", 24.0),
    ("48gb", 48.0),
    ("80gb", 80.0),
    ("640gb", 640.0),
)
CLUSTER = "cluster"
CLASS_ORDER: tuple[str, ...] = (*(name for name, _ in CLASSES), CLUSTER)
CLASS_LABELS = {
    "8gb": "phone, small laptop (8 GB)",
    "16gb": "laptop (16 GB)",
    "24gb": "consumer GPU (24 GB)",
    "48gb": "workstation (48 GB)",
    "80gb": "one datacenter GPU (80 GB)",
    "640gb": "an 8-GPU node (640 GB)",
    CLUSTER: "a cluster (more than 640 GB)",
}
BEST_QUANTIZATION = "q4"


def memory_gb(total_params_b: float, bits: int) -> float:
    """Memory in GB (10^9 bytes) to run a model of `total_params_b` billion parameters at `bits` per weight."""
    return total_params_b * bits / 8 * OVERHEAD


def bits_of(quantization: str) -> int:
    return dict(QUANTIZATIONS)[quantization]


def smallest_class(memory: float | None) -> str | None:
    """The first hardware class whose memory holds `memory` GB, else 'cluster' (None when unknown)."""
    if memory is None or memory != memory:
        return None
    for name, capacity in CLASSES:
        if memory <= capacity:
            return name
    return CLUSTER
