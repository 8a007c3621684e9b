"""What AceTray refused when the Settings dialog's OK was pressed, marked until the person changes it.

The core refuses a change it cannot put in force (another program holds the
port, the engine chosen cannot run) and says which setting it was about. The
dialog stays open with every edit; the refusal is told in the setting's note
line — or, for a setting with none (a list, a check box), in the note of the
field it is about — for as long as the setting holds the refused value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# A setting with no note line of its own, and the notes that tell its refusals (the first one shown).
NOTES_FOR = {
    "engine_mode": ("engine_program", "docker_image", "engine_url"),
    "lan_sharing": ("port",),
    "demo_engine": ("engine_url",),
}


@dataclass(frozen=True)
class Refusal:
    setting: str
    value: object  # what the setting held when it was refused
    message: str


class RefusalMarks:
    def __init__(self, value_of: Callable[[str], object], note_shown: Callable[[str], bool]) -> None:
        self._value_of = value_of  # a setting's value in the dialog now
        self._note_shown = note_shown  # whether a setting's note line is on show
        self._by_note: dict[str, Refusal] = {}

    def mark(self, setting: str, message: str) -> None:
        note = next((n for n in (setting, *NOTES_FOR.get(setting, ())) if self._note_shown(n)), None)
        if note is not None:
            self._by_note[note] = Refusal(setting, self._value_of(setting), message)

    def standing(self) -> dict[str, Refusal]:
        """The refusals whose setting still holds the refused value, by the note that tells them."""
        return {note: r for note, r in self._by_note.items() if self._value_of(r.setting) == r.value}
