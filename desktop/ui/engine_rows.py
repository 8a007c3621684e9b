"""The Settings dialog's engine rows: what was found on this computer, Browse…, rows that follow the mode.

Finding the engine runs commands (snap, docker) that may take seconds, so it is
asked of the core through an injected coroutine function and shown when it
answers; the dialog stays usable meanwhile. The program row and the Docker
image row take turns (one is shown, by the mode), so the dialog keeps its height.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QPushButton, QWidget

from desktop.streaming.config import ENGINE_DOCKER, ENGINE_EXTERNAL, ENGINE_PROGRAM
from desktop.streaming.engine_host import DEFAULT_IMAGE, Discovery
from desktop.streaming.engine_host.commands import PORT_PLACEHOLDER
from desktop.ui.note_line import NoteLine

log = logging.getLogger(__name__)

Discover = Callable[[], Awaitable[Discovery]]

LOOKING = "Looking for AceStream on this computer…"
PROGRAM_HINT = "Empty: the AceStream engine found on this computer. A command with {port} is run as written."
AS_WRITTEN = "AceTray runs this command as written, {port} replaced by the engine URL's port."
FLAGS_ADDED = "AceTray adds --client-console, --http-port (the engine URL's port) and an in-memory cache."


def program_hint(discovery: Discovery) -> str:
    found = discovery.first("program") or discovery.first("snap")
    if found is None:
        return (
            "No AceStream engine was found on this computer: "
            "install it (acestream.org), or choose its program with Browse…"
        )
    return f"Found {found.label}; it is used while this is empty."


def docker_hint(discovery: Discovery) -> str:
    found = discovery.first("docker")
    if found is not None:
        return f"{found.label} is ready on this computer."
    return discovery.notes[0] if discovery.notes else "Docker was not found on this computer."


def program_placeholder(discovery: Discovery | None) -> str:
    if discovery is None:
        return "the engine found on this computer"
    found = discovery.first("program") or discovery.first("snap")
    return f"found: {' '.join(found.argv)}" if found else "none found: choose it with Browse…"


class EngineRows:
    """Keeps the engine rows in step with the chosen mode and with what discovery found."""

    def __init__(
        self,
        parent: QWidget,
        *,
        mode: QComboBox,
        program: QLineEdit,
        browse: QPushButton,
        image: QLineEdit,
        default_image: QPushButton,
        start: QComboBox,
        notes: dict[str, NoteLine],
        show_row: Callable[[str, bool], None],
        discover: Discover | None,
        on_found: Callable[[], None],
    ) -> None:
        self._parent = parent
        self._mode, self._program, self._browse, self._image, self._start = mode, program, browse, image, start
        self._default_image = default_image
        self._notes = notes
        self._show_row = show_row
        self._on_found = on_found  # the dialog shows the new hints (unless a problem is on show)
        self.discovery: Discovery | None = None
        self._found_hint = LOOKING if discover else PROGRAM_HINT  # about the program when none is given
        self._task: asyncio.Task[None] | None = None
        notes["docker_image"].hint = LOOKING if discover else ""
        program.setPlaceholderText(program_placeholder(None))
        browse.clicked.connect(self._choose_program)
        default_image.setToolTip(f"Use the default image, {DEFAULT_IMAGE}")
        default_image.clicked.connect(lambda: image.setText(DEFAULT_IMAGE))
        program.textChanged.connect(self._program_hint)
        mode.currentIndexChanged.connect(self.follow_mode)
        self._program_hint()
        self.follow_mode()
        if discover is not None:
            self._task = asyncio.ensure_future(self._find(discover))

    def follow_mode(self) -> None:
        mode = self._mode.currentData()
        self._show_row("engine_program", mode != ENGINE_DOCKER)
        self._show_row("docker_image", mode == ENGINE_DOCKER)
        self._program.setEnabled(mode == ENGINE_PROGRAM)
        self._browse.setEnabled(mode == ENGINE_PROGRAM)
        self._start.setEnabled(mode != ENGINE_EXTERNAL)

    def _program_hint(self) -> None:
        """What will run: the command as written, the program with the engine's flags, or the one found."""
        text = self._program.text().strip()
        note = self._notes["engine_program"]
        note.hint = AS_WRITTEN if PORT_PLACEHOLDER in text else FLAGS_ADDED if text else self._found_hint
        if not note.is_error:
            note.show_hint()

    async def _find(self, discover: Discover) -> None:
        # On cancellation (dialog closed) the widgets may be gone: touch nothing.
        try:
            found = await discover()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("finding the AceStream engine failed: %s", exc)
            self._found_hint = f"Could not look for AceStream here: {exc}"
            self._notes["docker_image"].hint = ""
        else:
            self.discovery = found
            self._found_hint = program_hint(found)
            self._notes["docker_image"].hint = docker_hint(found)
            self._program.setPlaceholderText(program_placeholder(found))
        self._task = None
        self._program_hint()
        self._on_found()

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def _choose_program(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self._parent, "Choose the AceStream engine program")
        if path:
            self._program.setText(f'"{path}"' if " " in path else path)
