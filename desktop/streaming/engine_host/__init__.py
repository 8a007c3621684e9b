"""Running the AceStream engine on behalf of the user: find it, start it, watch it, stop it.

Qt-free, asyncio. `discover` finds what can run the engine; `commands` and
`docker` turn that (or a user's command) into an `EngineCommand`;
`EngineSupervisor` owns the process.
"""

from desktop.streaming.engine_host.commands import (
    HEADLESS_FLAGS,
    command_for,
    program_command,
    user_command,
)
from desktop.streaming.engine_host.discovery import (
    Discovery,
    EngineCandidate,
    OsAccess,
    discover,
    system_access,
)
from desktop.streaming.engine_host.docker import DEFAULT_IMAGE, docker_command
from desktop.streaming.engine_host.spec import EngineCommand, PrepareStep
from desktop.streaming.engine_host.state import EngineSnapshot, EngineState
from desktop.streaming.engine_host.supervisor import EngineSupervisor, SupervisorPolicy

__all__ = [
    "DEFAULT_IMAGE",
    "HEADLESS_FLAGS",
    "Discovery",
    "EngineCandidate",
    "EngineCommand",
    "EngineSnapshot",
    "EngineState",
    "EngineSupervisor",
    "OsAccess",
    "PrepareStep",
    "SupervisorPolicy",
    "command_for",
    "discover",
    "docker_command",
    "program_command",
    "system_access",
    "user_command",
]
