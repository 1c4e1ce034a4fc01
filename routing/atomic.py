"""Writing files so that readers and crashes never see half of them: the one place for it.

- `write_atomic`: one file, written beside its name and renamed into place.
- `replacing_dir`: a whole folder (a plan's outputs, a county's dataset) staged beside its name
  and swapped in with one atomic exchange, so a command's files land together or not at all.

Every temporary carries an advisory lock (flock) held by the process writing it. A temporary
whose lock is free belongs to a process that died (kill -9, power cut) and is removed by
`clean_stale`, which each writer runs on its folder first. A swap interrupted between its two
renames (on file systems without an atomic exchange) is rolled back there too.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

STALE_AFTER_S = 10.0  # a temporary younger than this may be one whose writer is just starting
_RENAME_EXCHANGE = 2  # renameat2 flag (Linux 3.15+)
_AT_FDCWD = -100


def crash_point(name: str) -> None:
    """Die here, as kill -9 would, when $ROUTE_CRASH_AT names this point: how the crash tests
    stop a real process at an exact step. Does nothing otherwise."""
    if os.environ.get("ROUTE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _locked(path: Path) -> bool:
    """Whether a live process holds the lock of `path` (a lock file or a temporary)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _old_enough(path: Path) -> bool:
    try:
        return time.time() - path.lstat().st_mtime > STALE_AFTER_S
    except FileNotFoundError:
        return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_stale(directory: Path) -> list[Path]:
    """Remove the temporaries in `directory` left by writers that died; restore a folder whose
    swap was cut between its two renames. Returns what was removed or restored."""
    done: list[Path] = []
    if not directory.is_dir():
        return done
    for tmp in directory.glob(".*.tmp"):
        if tmp.is_file() and _old_enough(tmp) and not _locked(tmp):
            _remove(tmp)
            done.append(tmp)
    for lock in directory.glob(".*.txn"):
        if not _old_enough(lock) or _locked(lock):
            continue
        stem = lock.name[: -len(".txn")]  # .<name>.<token>
        name = stem[1:].rsplit(".", 1)[0]
        old, staging = directory / f"{stem}.old", directory / f"{stem}.staging"
        final = directory / name
        if old.exists() and not final.exists():
            os.rename(old, final)  # the swap was cut after its first rename: undo it
            done.append(final)
        for p in (old, staging):
            if p.exists():
                _remove(p)
                done.append(p)
        _remove(lock)
    return done


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a locked temporary beside `path`, then rename: readers never see half a
    file, and a crash leaves the old file and a temporary that the next writer removes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        crash_point(f"write:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    finally:
        os.close(fd)


def _libc_exchange() -> Callable[[bytes, bytes], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int

    def exchange(a: bytes, b: bytes) -> int:
        if fn(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE) == 0:
            return 0
        return ctypes.get_errno()

    return exchange


_EXCHANGE = _libc_exchange()


def _swap(staging: Path, final: Path, old: Path) -> None:
    """Put `staging` at `final`; the previous `final` (if any) ends up at `staging` or `old`."""
    if not final.exists():
        os.rename(staging, final)
        return
    if _EXCHANGE is not None:
        err = _EXCHANGE(os.fsencode(staging), os.fsencode(final))
        if err == 0:
            return
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(final))
    os.rename(final, old)  # file systems without an atomic exchange: two renames
    crash_point(f"swap:{final.name}")
    os.rename(staging, final)


def hardlink_tree(src: Path, dst: Path) -> None:
    """`dst` as a copy of `src` made of hard links (instant; writers replace, never edit)."""

    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


@contextlib.contextmanager
def replacing_dir(final: Path, start_from: Path | None = None) -> Iterator[Path]:
    """A staging folder that replaces `final` as a whole when the block ends without error.

    With `start_from` (usually `final` itself), the staging folder starts as a copy of that
    folder made of hard links, so the block changes only what it writes. Writers must replace
    files (`write_atomic`, or a new file), never edit one in place: the copy shares its files
    until the swap. Concurrent writers of one folder take turns (a lock beside it)."""
    final = Path(final)
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    mutex = os.open(parent / f".{final.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        clean_stale(parent)
        stem = f".{final.name}.{secrets.token_hex(4)}"
        lock_path = parent / f"{stem}.txn"
        staging, old = parent / f"{stem}.staging", parent / f"{stem}.old"
        lock = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if start_from is not None and Path(start_from).is_dir():
                hardlink_tree(Path(start_from), staging)
            else:
                staging.mkdir()
            try:
                yield staging
                crash_point(f"staged:{final.name}")
                _swap(staging, final, old)
                crash_point(f"swapped:{final.name}")
            finally:
                _remove(staging)
                _remove(old)
        finally:
            os.close(lock)
            _remove(lock_path)
    finally:
        os.close(mutex)
