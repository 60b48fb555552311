"""Flow statistics: what a force produced and consumed on a surface.

Factorio 2.0 keeps item and fluid production statistics per force *per
surface* (``LuaForce.get_item_production_statistics(surface)``). ``input`` is
the left side of the GUI (production), ``output`` the right (consumption);
``on_flow(name, count)`` adds a positive count to the input and a negative one,
as its magnitude, to the output.

Simplification: Factorio samples flows into time buckets (300 samples per
precision window, from five seconds to a thousand hours). This model keeps the
totals only and treats every flow as having happened in the current tick, so
:meth:`FlowStatistics.get_flow_count` answers the whole game's total for any
window: exact for ``one_thousand_hours`` (no game here runs that long), an
over-estimate for shorter windows once the flows are older than the window.
Quality is not modelled: every count is of "normal" quality.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from .errors import InvalidArgumentError, UnknownPrototypeError

#: The statistics kinds: a force keeps "item" and "fluid" per surface (items and fluids counted),
#: an electric network keeps "electric" (entities counted: what produced and consumed its energy).
FLOW_KINDS = ("item", "fluid", "electric")
#: The kind of prototype each statistics kind counts.
COUNTED = {"item": "item", "fluid": "fluid", "electric": "entity"}
#: ``defines.flow_precision_index`` value -> the window's length in ticks.
PRECISION_TICKS = {
    0: 5 * 60,  # five_seconds
    1: 60 * 60,  # one_minute
    2: 10 * 60 * 60,  # ten_minutes
    3: 60 * 60 * 60,  # one_hour
    4: 10 * 60 * 60 * 60,  # ten_hours
    5: 50 * 60 * 60 * 60,  # fifty_hours
    6: 250 * 60 * 60 * 60,  # two_hundred_fifty_hours
    7: 1000 * 60 * 60 * 60,  # one_thousand_hours
}
#: Factorio keeps this many samples per precision window.
SAMPLES_PER_WINDOW = 300
CATEGORIES = ("input", "output", "storage")
TICKS_PER_MINUTE = 3600


class FlowStatistics:
    """Totals per prototype name of one kind ("item", "fluid" or "electric") for one force on one surface."""

    __slots__ = ("kind", "force_index", "surface_index", "_names", "input_counts", "output_counts")

    def __init__(self, kind: str, force_index: int, surface_index: int, names: Collection[str]) -> None:
        if kind not in FLOW_KINDS:
            raise InvalidArgumentError(f"flow statistics kind must be one of {FLOW_KINDS}, got {kind!r}")
        self.kind = kind
        self.force_index = force_index
        self.surface_index = surface_index
        self._names = names  # the prototype names this kind counts
        self.input_counts: dict[str, float] = {}
        self.output_counts: dict[str, float] = {}

    def __repr__(self) -> str:
        return (
            f"<FlowStatistics {self.kind} force={self.force_index} surface={self.surface_index} "
            f"in={len(self.input_counts)} out={len(self.output_counts)}>"
        )

    def _name(self, name: Any) -> str:
        if not isinstance(name, str) or name not in self._names:
            raise UnknownPrototypeError(COUNTED[self.kind], name)
        return name

    @staticmethod
    def _number(count: Any) -> float:
        if isinstance(count, bool) or not isinstance(count, (int, float)):
            raise InvalidArgumentError(f"count must be a number, got {count!r}")
        return count

    def _add(self, counts: dict[str, float], name: str, amount: float) -> None:
        total = counts.get(name, 0) + amount
        if total:
            counts[name] = total
        else:
            counts.pop(name, None)

    # --- Factorio's operations --------------------------------------------

    def on_flow(self, name: str, count: float) -> None:
        """Positive: produced (input); negative: consumed (output, by magnitude)."""
        name, count = self._name(name), self._number(count)
        if count > 0:
            self._add(self.input_counts, name, count)
        elif count < 0:
            self._add(self.output_counts, name, -count)

    def on_flows_repeated(self, flows: Sequence[tuple[str, float]], ticks: int) -> None:
        """``flows`` (each as :meth:`on_flow` takes it), in order, once a tick for ``ticks`` ticks: the same
        float totals as that many calls (each total adds its own amounts in the same order), at bulk cost."""
        groups: dict[tuple[bool, str], list[float]] = {}
        for name, count in flows:
            name, count = self._name(name), self._number(count)
            if count:
                groups.setdefault((count > 0, name), []).append(count if count > 0 else -count)
        for (produced, name), amounts in groups.items():
            counts = self.input_counts if produced else self.output_counts
            total = counts.get(name, 0)
            if len(amounts) == 1:
                amount = amounts[0]
                for _ in range(ticks):
                    total += amount
            else:
                for _ in range(ticks):
                    for amount in amounts:
                        total += amount
            if total:
                counts[name] = total

    def get_input_count(self, name: str) -> float:
        return self.input_counts.get(self._name(name), 0)

    def get_output_count(self, name: str) -> float:
        return self.output_counts.get(self._name(name), 0)

    def set_input_count(self, name: str, count: float) -> None:
        self._set(self.input_counts, self._name(name), self._number(count))

    def set_output_count(self, name: str, count: float) -> None:
        self._set(self.output_counts, self._name(name), self._number(count))

    @staticmethod
    def _set(counts: dict[str, float], name: str, count: float) -> None:
        if count:
            counts[name] = count
        else:
            counts.pop(name, None)

    def get_flow_count(
        self, name: str, category: str, precision_index: int, sample_index: int | None = None, count: bool = False
    ) -> float:
        """The flow in a window: a count (``count=True``) or a per-minute rate.

        Every flow counts as happening now (see the module docstring), so the
        window holds the whole total, and with ``sample_index`` it all lies in
        sample 1, the most recent. Item and fluid statistics keep no storage
        values: "storage" answers 0.
        """
        name = self._name(name)
        if category not in CATEGORIES:
            raise InvalidArgumentError(f"category must be one of {CATEGORIES}, got {category!r}")
        if isinstance(precision_index, bool) or precision_index not in PRECISION_TICKS:
            raise InvalidArgumentError(
                f"precision_index must be a defines.flow_precision_index, got {precision_index!r}"
            )
        window_ticks = PRECISION_TICKS[precision_index]
        if sample_index is not None:
            if isinstance(sample_index, bool) or sample_index not in range(1, SAMPLES_PER_WINDOW + 1):
                raise InvalidArgumentError(
                    f"sample_index must be between 1 and {SAMPLES_PER_WINDOW}, got {sample_index!r}"
                )
            window_ticks //= SAMPLES_PER_WINDOW
        if category == "input":
            total = self.input_counts.get(name, 0)
        elif category == "output":
            total = self.output_counts.get(name, 0)
        else:
            total = 0
        if sample_index is not None and sample_index != 1:
            total = 0
        if count:
            return total
        return total * TICKS_PER_MINUTE / window_ticks

    def clear(self) -> None:
        """Reset all the statistics data to 0."""
        self.input_counts.clear()
        self.output_counts.clear()

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "force": self.force_index,
            "surface": self.surface_index,
            "input": dict(sorted(self.input_counts.items())),
            "output": dict(sorted(self.output_counts.items())),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the totals exactly (names are not checked against the prototypes)."""
        self.input_counts = {str(k): v for k, v in state["input"].items()}
        self.output_counts = {str(k): v for k, v in state["output"].items()}
