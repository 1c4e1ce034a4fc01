"""Writing files so that readers and crashes never see half of them: the one place for it.

- `write_atomic`: one file, written beside its name and renamed into place.
- `replacing_dir`: a whole folder (a plan's outputs, a county's dataset) staged beside its name
  and swapped in with one atomic exchange, so a command's files land together or not at all.

Leftovers of a writer that died (kill -9, power cut) are removed by the next writer of the same
place: a temporary file names the process that writes it and is stale once that process is
gone; a staging folder is stale whenever the folder's lock (held by every writer of that folder
for as long as it works) can be taken. A swap interrupted between its two renames (on file
systems without an atomic exchange) is rolled back there too.
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
from collections.abc import Callable, Iterator
from pathlib import Path

_RENAME_EXCHANGE = 2  # renameat2 flag (Linux 3.15+)
_AT_FDCWD = -100


def crash_point(name: str) -> None:
    """Die here, as kill -9 would, when $ROUTE_CRASH_AT names this point: how the crash tests
    stop a real process at an exact step. Does nothing otherwise."""
    if os.environ.get("ROUTE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_stale(directory: Path) -> list[Path]:
    """Remove the temporary files in `directory` whose writing process is gone."""
    done = []
    for tmp in directory.glob(".*.tmp") if directory.is_dir() else ():
        writer = tmp.name[:-4].rsplit(".", 1)[-1].split("-")[0]
        if writer.isdigit() and int(writer) != os.getpid() and not _alive(int(writer)):
            _remove(tmp)
            done.append(tmp)
    return done


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary beside `path`, then rename: readers never see half a file, and a
    crash leaves the old file and a temporary that the next writer there removes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as fh:
            os.chmod(tmp, 0o644)
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        crash_point(f"write:{path.name}")
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _libc_exchange() -> Callable[[bytes, bytes], int] | None:
    name = ctypes.util.find_library("c")
    try:
        fn = ctypes.CDLL(name, use_errno=True).renameat2
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


def _clean_leftovers(final: Path) -> None:
    """With `final`'s lock held (so no other writer of it is alive): remove staging folders
    of writers that died, and undo a swap cut between its two renames."""
    parent = final.parent
    for old in sorted(parent.glob(f".{final.name}.*.old")):
        if not final.exists():
            os.rename(old, final)
        else:
            _remove(old)
    for staging in parent.glob(f".{final.name}.*.staging"):
        _remove(staging)


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
    until the swap. Writers of one folder take turns (a lock file beside it, `.<name>.lock`).
    `final` is made absolute and normal first: `.` or `out/..` have no name of their own to put
    the staging folder and the lock beside."""
    final = Path(os.path.abspath(final))
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(parent / f".{final.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clean_leftovers(final)
        stem = f".{final.name}.{secrets.token_hex(4)}"
        staging, old = parent / f"{stem}.staging", parent / f"{stem}.old"
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
