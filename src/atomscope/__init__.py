"""atomscope: an open, re-runnable observatory of the open-model ecosystem."""

__version__ = "0.1.0"
