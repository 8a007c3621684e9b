"""Windows: a job object that kills the engine's whole process tree when AceTray goes away.

The job handle lives only in AceTray's process; when that process ends for any
reason (even killed from Task Manager) Windows closes the handle and, with
KILL_ON_JOB_CLOSE, ends every process in the job. Importable anywhere (the
packaging checks import every module); only called on Windows.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from ctypes import wintypes
from typing import Any

log = logging.getLogger(__name__)

_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
_PROCESS_SET_QUOTA = 0x0100
_PROCESS_TERMINATE = 0x0001


# Fixed-width fields (DWORD is 32 bits on Windows), so the layout can be checked on any OS.
_DWORD = ctypes.c_uint32


class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", _DWORD),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", _DWORD),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", _DWORD),
        ("SchedulingClass", _DWORD),
    ]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("R", "W", "O", "RB", "WB", "OB")]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


def _kernel32() -> Any:  # ctypes.WinDLL, which only Windows defines
    if sys.platform != "win32":  # (also tells type checkers which platform the rest is for)
        raise OSError("job objects exist on Windows only")
    k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    k32.CreateJobObjectW.restype = wintypes.HANDLE
    k32.CreateJobObjectW.argtypes = (wintypes.LPVOID, wintypes.LPCWSTR)
    k32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD)
    k32.OpenProcess.restype = wintypes.HANDLE
    k32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    k32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    k32.CloseHandle.argtypes = (wintypes.HANDLE,)
    return k32


def contain(pid: int) -> int | None:
    """Put `pid` in a new kill-on-close job; the job's handle, or None when it failed.

    The process is assigned just after it started, so a child it spawns in that
    first instant escapes the job; the engine starts its helpers much later.
    """
    if sys.platform != "win32":
        return None
    k32 = _kernel32()
    job = k32.CreateJobObjectW(None, None)  # not inheritable: no child may keep the job alive
    if not job:
        log.warning("Cannot create a job object for the engine (error %s)", ctypes.get_last_error())
        return None
    limits = _ExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    limit_class = _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS
    ok = bool(k32.SetInformationJobObject(job, limit_class, ctypes.byref(limits), ctypes.sizeof(limits)))
    process = k32.OpenProcess(_PROCESS_SET_QUOTA | _PROCESS_TERMINATE, False, pid) if ok else None
    ok = ok and bool(process) and bool(k32.AssignProcessToJobObject(job, process))
    error = ctypes.get_last_error()
    if process:
        k32.CloseHandle(process)
    if not ok:
        log.warning("Cannot tie the engine to AceTray's life (error %s)", error)
        k32.CloseHandle(job)
        return None
    return int(job)


def close(job: int) -> None:
    """Close the job: every process still in it ends now."""
    if sys.platform == "win32":
        _kernel32().CloseHandle(job)
