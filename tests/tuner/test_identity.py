"""The tuner's DeviceID passes SiliconDust's own check, and the identity is kept across restarts."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import random
from pathlib import Path

import pytest

from desktop.streaming.tuner.identity import is_valid_device_id, load_identity, new_device_id, new_identity


@pytest.fixture(scope="module")
def libhdhomerun_validates():  # type: ignore[no-untyped-def]
    """libhdhomerun's own hdhomerun_discover_validate_device_id (Debian's libhdhomerun4, in TEST_DEBS)."""
    name = ctypes.util.find_library("hdhomerun") or "libhdhomerun.so.4"
    validate = ctypes.CDLL(name).hdhomerun_discover_validate_device_id
    validate.argtypes, validate.restype = [ctypes.c_uint32], ctypes.c_bool
    return validate


def test_every_device_id_made_passes_libhdhomeruns_own_check(libhdhomerun_validates) -> None:  # type: ignore[no-untyped-def]
    made = {new_device_id() for _ in range(2000)}
    assert len(made) > 1990  # random, not one id for everybody
    assert all(libhdhomerun_validates(device_id) for device_id in made)
    assert 0xFFFFFFFF not in made  # the wildcard is no device's id


def test_the_check_agrees_with_libhdhomerun_on_any_id(libhdhomerun_validates) -> None:  # type: ignore[no-untyped-def]
    picks = random.Random(20).sample(range(2**32), 20_000) + [0, 0x10000000, 0x1234567A, 0xFFFFFFFF]
    assert [is_valid_device_id(n) for n in picks] == [bool(libhdhomerun_validates(n)) for n in picks]
    assert sum(map(is_valid_device_id, picks)) > 1000  # about one in sixteen ids is valid


def test_the_identity_is_kept_in_the_config_folder_across_restarts(tmp_path: Path) -> None:
    first = load_identity(tmp_path)
    assert load_identity(tmp_path) == first
    saved = json.loads((tmp_path / "tuner.json").read_text())
    assert saved["device_id"] == first.device_id_text and len(first.device_auth) == 24


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": 1, "device_id": "12345678", "device_auth": "abc"}',  # fails the check
        '{"format": 1, "device_id": "0x123456", "device_auth": "abc"}',
        '{"format": 1, "device_id": "26F1891D", "device_auth": "not allowed!"}',
    ],
)
def test_a_broken_or_invalid_identity_is_replaced_by_a_valid_one(tmp_path: Path, content: str) -> None:
    (tmp_path / "tuner.json").write_text(content)
    identity = load_identity(tmp_path)
    assert is_valid_device_id(identity.device_id)
    assert load_identity(tmp_path) == identity


def test_a_device_auth_is_what_libhdhomerun_keeps() -> None:
    auth = new_identity().device_auth
    assert len(auth) <= 24 and auth.isascii() and auth.isalnum()
