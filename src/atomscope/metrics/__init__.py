"""Metrics: one small module per metric; importing this package registers them all."""

from __future__ import annotations

import importlib
import pkgutil

from atomscope.metrics.base import REGISTRY, Metric, MetricContext, MetricResult, get, register, run

_SKIP = {"base", "common"}


def load_all() -> dict[str, Metric]:
    """Import every metric module of this package (each registers itself) and return the registry."""
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _SKIP and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


__all__ = ["REGISTRY", "Metric", "MetricContext", "MetricResult", "get", "load_all", "register", "run"]
