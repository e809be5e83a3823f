"""The output folder while a run writes it: one run at a time (its lock) and the temporaries of
runs that died. What the run will write there is decided in ``plan``."""
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

from .plan import TMP_MARK, AnnotateError

LOCK_NAME = ".annotate.lock"


@contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output folder for this run: a second run on it stops with one line naming the
    first's PID; the lock of a run that no longer exists is taken over."""
    lock = Path(output_dir) / LOCK_NAME
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = lock.read_text(encoding="utf8").strip() if lock.exists() else ""
            if holder.isdigit() and _alive(int(holder)):
                raise AnnotateError(f"{output_dir} is being written by another annotate run (PID {holder}); "
                                    "wait for it, or choose another --output") from None
            lock.unlink(missing_ok=True)  # a dead run's
            continue
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        break
    else:
        raise AnnotateError(f"{lock}: cannot take the output folder's lock")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def remove_dead_temporaries(output_dir: Path) -> List[str]:
    """Remove the temporaries that runs which no longer exist left under `output_dir`
    (a SIGKILL leaves ``.NAME.tmp-PID``); return their paths."""
    removed = []
    for path in sorted(Path(output_dir).rglob(f".*{TMP_MARK}*")):
        pid = path.name.rsplit(TMP_MARK, 1)[1]
        if path.is_file() and pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
