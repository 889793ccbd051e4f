"""Metrics: one small module per metric; importing this package registers them all.

A new metric is a new module here that calls `register(Metric(...))` at import time; nothing else needs
to list it (see CONTRIBUTING.md).
"""

from __future__ import annotations

import importlib
import pkgutil

from atomscope.metrics.base import (
    REGISTRY,
    Metric,
    MetricContext,
    MetricResult,
    Param,
    SharedQueries,
    get,
    register,
    run,
)


def _import_metric_modules() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_import_metric_modules()

__all__ = ["REGISTRY", "Metric", "MetricContext", "MetricResult", "Param", "SharedQueries", "get", "register", "run"]
