"""Inside fresh namespaces, as their root: hide the course, lock the file system, drop privileges.

Started by :mod:`autograder.sandbox.jail` through ``unshare`` (new mount, network and PID
namespaces, a new /proc), with the settings as one JSON argument. It runs before any student
code and then replaces itself with the runner, so by the time the student's code starts:

* the course directory is an empty read-only tmpfs, and so are the repository and the
  grader's home directory, except for the parts Python needs to run (the interpreter, the
  virtual environment, the library): the sources with solutions and hidden tests, the
  grading code and the repository's history are gone;
* library modules an assignment asks students to write themselves are replaced by a stub;
* /tmp, /var/tmp and /dev/shm are private size-limited tmpfs mounts, and /tmp is the
  working directory;
* every other mount is read-only;
* the process runs as an unprivileged user (when started as root) with no capabilities and
  ``no_new_privs``, so none of the above can be undone.

Self-contained (standard library only): the autograder package itself is hidden.
"""

import ctypes
import json
import os
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
ST_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: 1024, 2048: 2048}
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24

libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype, flags, data=None):
    ok = libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if ok != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def mount_points():
    points = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            raw = line.split()[4]
            points.append(raw.encode().decode("unicode_escape"))
    return points


def read_only(path):
    flags = os.statvfs(path).f_flag
    keep = 0
    for st, ms in ST_FLAGS.items():
        if flags & st:
            keep |= ms
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)


def under(path, roots):
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def main():
    cfg = json.loads(sys.argv[1])
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    # A private tmpfs to stage mounts in while the directories above them are covered.
    stage_root = "/dev/shm" if os.path.isdir("/dev/shm") else "/run"
    mount("none", stage_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    os.makedirs(f"{stage_root}/.stage", mode=0o700)
    # Cover each directory with an empty tmpfs, then put back the parts of it that Python
    # needs (the interpreter, the virtual environment, the library), outermost first. /tmp
    # and /var/tmp become private and writable; the rest stay as good as empty.
    covers = {path: "size=64k,mode=0755" for path in cfg["cover"]}
    covers["/tmp"] = f"size={cfg['tmp_mb']}m,mode=1777"
    covers["/var/tmp"] = "size=64m,mode=1777"
    for n, path in enumerate(sorted(covers, key=len)):
        if not os.path.isdir(path):
            continue
        keep = [k for k in cfg["expose"] if under(k, [path]) and k != path and os.path.exists(k)]
        staged = []
        for i, k in enumerate(keep):
            stage = f"{stage_root}/.stage/{n}-{i}"
            os.mkdir(stage)
            mount(k, stage, None, MS_BIND | MS_REC)
            staged.append((stage, k))
        mount("none", path, "tmpfs", MS_NOSUID | MS_NODEV, covers[path])
        for stage, k in staged:
            os.makedirs(k, mode=0o755, exist_ok=True)
            mount(stage, k, None, MS_MOVE)
    for path in cfg["hide"]:
        if os.path.isdir(path):
            mount("none", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=0755")
        elif os.path.isfile(path):
            mount("/dev/null", path, None, MS_BIND)
    # the runner and the stubs, where the student can read but not change them
    os.makedirs("/tmp/.grader", mode=0o755)
    for name, text in cfg["files"].items():
        with open(os.path.join("/tmp/.grader", name), "w") as fh:
            fh.write(text)
    mount("/tmp/.grader", "/tmp/.grader", None, MS_BIND)
    mount(None, "/tmp/.grader", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for target, stub in cfg["stubs"].items():
        if os.path.isfile(target):
            mount(os.path.join("/tmp/.grader", stub), target, None, MS_BIND)
    # everything read-only but the private tmpfs mounts and what lies below /proc and /dev
    writable = {"/tmp", "/var/tmp", "/dev/shm", stage_root}
    for point in mount_points():
        if point in writable or point != "/dev" and under(point, ["/proc", "/dev"]):
            continue
        try:
            read_only(point)
        except OSError as err:
            if point in ("/", cfg["repo"]):
                raise
            print(f"sandbox: could not make {point} read-only ({err})", file=sys.stderr)
    uid, gid = cfg["uid"], cfg["gid"]
    os.chdir("/tmp")
    if os.getuid() == 0 and uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    argv = [sys.executable, "-I", "/tmp/.grader/runner.py", *cfg["runner_args"]]
    os.execv(sys.executable, argv)


if __name__ == "__main__":
    main()
