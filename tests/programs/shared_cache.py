"""The shared cache of run_programs.py: several runs (two worktrees testing at
once) may use one cache directory, so a finished download or build is renamed
into place whole, and each run works in its own directory under runs/."""
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path


def move_into_place(tmp, final):
    """Renames the finished directory `tmp` to `final` (both in one cache
    directory, so the rename is atomic and a concurrent run sees either
    nothing or all of it). A `final` with a .complete marker is another run's
    finished copy, in use: it is kept, `tmp` removed, and False returned. A
    `final` without one (left by an interrupted older scheme) is replaced."""
    if (final / ".complete").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    if final.exists():
        aside = Path(tempfile.mkdtemp(prefix=".old-%s-" % final.name, dir=final.parent))
        try:
            final.rename(aside / "x")
        except FileNotFoundError:
            pass
        shutil.rmtree(aside, ignore_errors=True)
    try:
        tmp.rename(final)
    except OSError:  # a concurrent run renamed its own copy in first
        shutil.rmtree(tmp, ignore_errors=True)
        if (final / ".complete").is_file():
            return False
        raise
    return True


def new_runs_dir(cache):
    """This run's own scratch directory, CACHE/runs/run-PID-XXXX/, with an
    .owner file (host and pid). Removes the directories of runs that are gone
    first: same host and a dead pid, or anything there a day old (a run of an
    older scheme, or of another host sharing the cache)."""
    top = cache / "runs"
    top.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    for d in top.iterdir():
        try:
            age = time.time() - d.lstat().st_mtime
        except FileNotFoundError:  # removed meanwhile
            continue
        try:
            owner = (d / ".owner").read_text().split()
        except (FileNotFoundError, NotADirectoryError):  # an older scheme's, or one being made now
            owner = []
        if len(owner) == 2 and owner[0] == host and owner[1].isdigit():
            dead = not pid_alive(int(owner[1]))
        else:
            dead = age > 86400
        if dead and d.is_dir() and not d.is_symlink():
            shutil.rmtree(d, ignore_errors=True)
        elif dead:
            d.unlink(missing_ok=True)
    d = Path(tempfile.mkdtemp(prefix="run-%d-" % os.getpid(), dir=top))
    (d / ".owner").write_text("%s %d\n" % (host, os.getpid()))
    return d


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


def store_failure(work, failures_dir):
    """Moves a failed run's directory to failures/NAME.VARIANT.TIER, replacing
    an earlier failure of that run; if a concurrent run stores the same one
    meanwhile, under NAME.VARIANT.TIER.N instead. Returns where it went."""
    failures_dir.mkdir(parents=True, exist_ok=True)
    fd = failures_dir / work.name
    if fd.exists():
        shutil.rmtree(fd, ignore_errors=True)
    try:
        work.rename(fd)
    except OSError:
        fd = Path(tempfile.mkdtemp(prefix=work.name + ".", dir=failures_dir))
        fd.rmdir()
        work.rename(fd)
    return fd
