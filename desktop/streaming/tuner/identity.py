"""The tuner's identity: a DeviceID apps accept, and a DeviceAuth, the same at every start.

An HDHomeRun's DeviceID is 8 hex digits with a check digit: XOR-ing its nibbles,
every other one first passed through a fixed table, gives zero
(libhdhomerun's `hdhomerun_discover_validate_device_id`; apps and the library
drop a device whose id fails it). Apps remember a tuner by its id, so it is made
once and kept in the config folder (`tuner.json`).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from desktop import paths
from desktop.regular_files import read_regular_file
from desktop.streaming.channels.store import write_json_atomically

log = logging.getLogger(__name__)

IDENTITY_FILE = "tuner.json"
FORMAT = 1
MAX_FILE_BYTES = 4096  # the file holds an id and a short key
# The substitution SiliconDust's check applies to the 1st, 3rd, 5th and 7th nibble.
_NIBBLE_TABLE = (0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0)
_AUTH_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
AUTH_LENGTH = 24  # libhdhomerun keeps at most 24 characters of it
_STORED_ID = re.compile(r"\A[0-9A-Fa-f]{8}\Z")
_STORED_AUTH = re.compile(r"\A[A-Za-z0-9]{1,24}\Z")


def _check_nibble(device_id: int) -> int:
    """The XOR of the id's nibbles (odd positions through the table): 0 for a valid id."""
    check = 0
    for position in range(8):
        nibble = (device_id >> (28 - 4 * position)) & 0xF
        check ^= _NIBBLE_TABLE[nibble] if position % 2 == 0 else nibble
    return check


def is_valid_device_id(device_id: int) -> bool:
    return 0 <= device_id <= 0xFFFFFFFF and _check_nibble(device_id) == 0


def new_device_id() -> int:
    """A random valid id: seven random nibbles, the last one chosen to make the check zero.

    The last nibble enters the XOR as itself, so setting it to the XOR of the
    others zeroes the check. The wildcard 0xFFFFFFFF is never made.
    """
    while True:
        head = secrets.randbits(28) << 4
        device_id = head | _check_nibble(head)
        if device_id != 0xFFFFFFFF:
            return device_id


def format_device_id(device_id: int) -> str:
    return f"{device_id:08X}"


@dataclass(frozen=True)
class TunerIdentity:
    device_id: int
    device_auth: str

    @property
    def device_id_text(self) -> str:
        return format_device_id(self.device_id)


def new_identity() -> TunerIdentity:
    auth = "".join(secrets.choice(_AUTH_CHARACTERS) for _ in range(AUTH_LENGTH))
    return TunerIdentity(new_device_id(), auth)


def load_identity(folder: Path | None = None) -> TunerIdentity:
    """The identity kept in `folder` (the config folder by default), made and saved on first use.

    A missing or broken file gets a new identity (apps then see a new tuner);
    one that cannot be written still serves this run.
    """
    path = (folder if folder is not None else paths.config_dir()) / IDENTITY_FILE
    try:
        return _decode(json.loads(read_regular_file(path, MAX_FILE_BYTES).decode("utf-8")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError) as exc:
        log.warning("the tuner's identity in %s is unreadable (%s); making a new one", path, exc)
    identity = new_identity()
    try:
        write_json_atomically(
            path, {"format": FORMAT, "device_id": identity.device_id_text, "device_auth": identity.device_auth}
        )
    except OSError as exc:
        log.warning("could not keep the tuner's identity in %s: %s", path, exc.strerror or exc)
    return identity


def _decode(raw: object) -> TunerIdentity:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError("not a tuner identity AceTray knows")
    device_id, auth = raw.get("device_id"), raw.get("device_auth")
    if not isinstance(device_id, str) or not _STORED_ID.match(device_id):
        raise ValueError("no device id")
    if not isinstance(auth, str) or not _STORED_AUTH.match(auth):
        raise ValueError("no device auth")
    number = int(device_id, 16)
    if not is_valid_device_id(number):
        raise ValueError(f"{device_id} fails the HDHomeRun check")
    return TunerIdentity(number, auth)
