"""`Spec`: how one setting is shown, checked and overridden; `setting()` attaches one to a `Settings` field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SPEC_KEY = "acetray.spec"  # where a field's Spec sits in its metadata
# A unit's spin-box suffix and the word in a range message.
UNIT_WORDS = {
    "s": "seconds",
    "chunks": "chunks",
    "segments": "segments",
    "h": "hours",
    "probes": "probes",
    "per minute": "probes a minute",
}


@dataclass(frozen=True)
class Spec:
    """How one setting is shown, checked and overridden; see `schema.py`'s docstring."""

    label: str  # the dialog's row label
    help: str  # tooltip and command-line help
    group: str | None = None  # None: not shown in the dialog (kept by the app itself)
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""  # a key of UNIT_WORDS: spin-box suffix and the range message's word
    noun: str | None = None  # "Port" → "Port must be between …"; None → "Must be between …"
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a fixed set of values
    minimum_text: str | None = None  # what the dialog shows for the minimum ("only when asked")
    # The editor's lowest value, for values below `minimum` a person may well type: the rule then says
    floor: float | None = None  # why it refuses them (`below_minimum`), instead of the box snapping back
    below_minimum: str = ""
    flag: str | None = None  # per-run override on the command line, e.g. "--port"
    tray_flag: bool = False  # the tray app accepts the flag too, not only `serve`
    metavar: str | None = None  # the flag's value in `--help` (default: N, S or URL by type)
    implies: tuple[tuple[str, Any], ...] = ()  # other settings the flag sets too, e.g. the engine mode
    core: str | None = None  # the ProxyConfig field this setting feeds
    check: Callable[[Any], str | None] | None = None  # a rule beyond range and choices
    normalize: Callable[[Any], Any] | None = None  # applied on construction (e.g. strip "/")
    secret: bool = False  # never shown back in a message (the access token)

    def problem(self, value: Any) -> str | None:
        """Why `value` is not allowed, as a sentence; None when it is."""
        if self.choices and value not in {v for v, _label in self.choices}:
            return f"Must be one of {', '.join(v for v, _label in self.choices)}."
        if self.below_minimum and self.minimum is not None and self.floor is not None and value < self.minimum:
            subject = f"{self.noun} {value:g}" if self.noun else f"{value:g}"
            return f"{subject} is below {self.minimum:g}: {self.below_minimum}."
        if self.minimum is not None and self.maximum is not None and not self.minimum <= value <= self.maximum:
            subject = f"{self.noun} must" if self.noun else "Must"
            unit = f" {UNIT_WORDS[self.unit]}" if self.unit in UNIT_WORDS else ""
            return f"{subject} be between {self.minimum:g} and {self.maximum:g}{unit}."
        return self.check(value) if self.check else None


def setting(default: Any, **spec: Any) -> Any:
    return field(default=default, metadata={SPEC_KEY: Spec(**spec)})
