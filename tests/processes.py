"""The tests' one view of the process table (psutil), for the checks that nothing a batch,
an office or a worker started is left running (a test helper, not a test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psutil


def _live() -> Iterator[psutil.Process]:
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                yield proc
        except psutil.Error:
            continue


def alive(pid: int) -> bool:
    """``pid`` runs and is not a zombie."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def cmdline(pid: int) -> list[str]:
    """``pid``'s arguments, [] once it is gone."""
    try:
        return list(psutil.Process(pid).cmdline())
    except psutil.Error:
        return []


def name(pid: int) -> str:
    """``pid``'s command name ("soffice.bin"), "" once it is gone."""
    try:
        return str(psutil.Process(pid).name())
    except psutil.Error:
        return ""


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid``."""
    found = []
    for proc in _live():
        try:
            if os.getpgid(proc.pid) == pgid:
                found.append(proc.pid)
        except (OSError, psutil.Error):
            continue
    return found


def descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (children, grandchildren...)."""
    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return set()


def with_environment(marker: str) -> list[psutil.Process]:
    """Live processes (not this one) whose environment holds the entry ``marker``
    ("NAME=value")."""
    key, _, value = marker.partition("=")
    found = []
    for proc in _live():
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(key) == value:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def with_argument(argument: str) -> list[psutil.Process]:
    """Live processes one of whose arguments is exactly ``argument``."""
    found = []
    for proc in _live():
        try:
            if argument in proc.cmdline():
                found.append(proc)
        except psutil.Error:
            continue
    return found
