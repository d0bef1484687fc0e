"""One writer per run folder, as `npm run replicate` keeps it (src/cli/run-lock.ts, the same `.run.lock` file and format):
`{pid, host, startedAt, command}` created atomically; a live holder is refused by name, a lock whose process is gone
(same host, pid not running, or running but started after the lock was taken: a reused pid) is taken over with a
message. Also: processes launched as a group (torchrun / accelerate launch set WORLD_SIZE) that accelerate did not
join into one (e.g. `--multi_gpu` on a machine without GPUs: each process alone, all writing one --out) are refused.
"""
from __future__ import annotations

import atexit
import json
import os
import socket
from datetime import datetime, timezone

LOCK_FILE = ".run.lock"


class RunLocked(Exception):
    """The folder is another live process's, or cannot be written; the message names it and what to do."""


def group_problem(num_processes: int, env: dict | None = None) -> str | None:
    """Why the launch does not form one group of processes, or None: the launcher's WORLD_SIZE against accelerate's count."""
    env = os.environ if env is None else env
    world = env.get("WORLD_SIZE")
    if world is None or not world.isdigit() or int(world) == num_processes:
        return None
    return (
        f"this process was launched as rank {env.get('RANK', '?')} of {world} (env WORLD_SIZE={world}), but accelerate formed a group of "
        f"{num_processes}: the {world} processes would each train the whole run alone and write one --out. Without GPUs, launch a CPU group "
        f"with ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes {world} (or python -m torch.distributed.run "
        f"--nproc_per_node {world} with ACCELERATE_USE_CPU=true); with GPUs, check that each process sees one. Nothing was written"
    )


def _process_start(pid: int) -> float | None:
    """When `pid` started (seconds since the epoch), from Linux's /proc; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        ticks = int(stat[stat.rindex(")") + 2:].split(" ")[19])
        with open("/proc/stat") as f:
            btime = next(int(l.split()[1]) for l in f if l.startswith("btime "))
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration):
        return None


def _alive(pid: int, since: float) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = _process_start(pid)
    return start is None or start <= since + 2


def _holder(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            h = json.load(f)
        return h if isinstance(h.get("pid"), int) and isinstance(h.get("host"), str) else None
    except (OSError, ValueError, AttributeError):
        return None


def _describe(h: dict) -> str:
    return f"pid {h['pid']} on {h['host']}, started {h.get('startedAt', '?')}" + (f" ({h['command']})" if h.get("command") else "")


def disk_error(e: OSError, folder: str) -> str | None:
    """One line for a full or read-only disk while writing `folder`, naming it and what to do; None for other errors."""
    import errno

    where = f" writing {e.filename}" if e.filename else ""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk of {folder} ({errno.errorcode[e.errno]}{where}): free space and run the command again"
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{folder} cannot be written ({errno.errorcode[e.errno]}: {os.strerror(e.errno)}{where}): give a writable --out"
    return None


def acquire(folder: str, command: str, log=print) -> None:
    """Take `folder`'s lock (creating it) until this process exits, or raise RunLocked naming the holder or the disk problem."""
    path = os.path.join(folder, LOCK_FILE)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "startedAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"), "command": command}
    tmp = os.path.join(folder, f".run.lock.{os.getpid()}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:  # the write probe: a read-only or full disk fails here
            f.write(json.dumps(me) + "\n")
    except OSError as e:
        raise RunLocked(disk_error(e, folder) or f"{folder}: cannot be used as the run folder ({e})") from None
    try:
        for attempt in range(4):
            try:
                os.link(tmp, path)
                break
            except FileExistsError:
                if attempt == 3:
                    raise
            h = _holder(path)
            handed = os.environ.get("TABULA_LOCK_HANDED_TO_CHILD")
            if h and handed and h["host"] == me["host"] and h["pid"] == os.getppid() == int(handed):
                return  # held by the replicate that started this one and said so (--engine torch): it writes through us
            if h and (h["host"] != me["host"] or _alive(h["pid"], _iso_seconds(h.get("startedAt")))):
                gone = f" (if that process is gone, delete {path})" if h["host"] != me["host"] else ""
                raise RunLocked(f"{folder} is in use by another run: {_describe(h)}; wait for it to finish or give another --out{gone}")
            log(f"{folder}: taking over the lock of a run that is no longer running ({_describe(h)})" if h else f"{folder}: taking over an unreadable lock file ({path})")
            os.unlink(path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass

    def release() -> None:
        h = _holder(path)
        if h and h["pid"] == me["pid"] and h.get("startedAt") == me["startedAt"]:
            try:
                os.unlink(path)
            except OSError:
                pass

    atexit.register(release)


def _iso_seconds(s: object) -> float:
    try:
        return datetime.fromisoformat(str(s).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
