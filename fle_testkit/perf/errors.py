"""Errors of the perf library (settings errors use ``fle_testkit.errors.ConfigurationError``)."""

from __future__ import annotations

from ..errors import TestkitError


class ReportError(TestkitError, ValueError):
    """A report (or a timing record) cannot be read: wrong shape, newer schema, not JSON."""


class PlotsUnavailable(TestkitError, ImportError):
    """Charts need matplotlib, which is the optional ``plots`` extra."""
