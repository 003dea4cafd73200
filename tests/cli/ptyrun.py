#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal and reads what it drew (tests/cli/display_*.sh).

  ptyrun.py run --cols N [--rows N] --out FILE [--ctrl-c-after REGEX]...
             [--signals-after REGEX] -- CMD...
      Runs CMD with stdin, stdout and stderr on a new pty of that size (TIOCSWINSZ), writes
      every byte it printed to FILE and exits with its exit code (128 + N for signal N).
      --ctrl-c-after REGEX: once the output so far matches REGEX, types Ctrl-C (byte 0x03 on the
        pty, so the terminal's line discipline sends SIGINT, as a person's Ctrl-C does). Given
        twice, the second waits for its own REGEX in the output after the first.
      --signals-after REGEX: once the output matches REGEX, stops CMD (SIGSTOP), sends SIGTERM
        and SIGINT, and lets it go on (SIGCONT): both are then pending together, so its
        handler sees a second interrupt while the first is being handled - the case a person
        hits by pressing Ctrl-C twice while a run winds down, made deterministic.
  ptyrun.py frames FILE
      Prints what was drawn as lines, one per screen update: the output split at every \\r
      and \\n, with "erase line" (ESC [ K), colour codes and the terminal's "^C" echo removed,
      empty pieces dropped.
  ptyrun.py width FILE
      Prints the widest line of FILE in terminal columns (East Asian wide characters count 2).
"""
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import fcntl
import time
import unicodedata

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def run(argv):
    cols, rows, out, ctrl_c, sig_after, cmd = 80, 24, None, [], None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            cmd = argv[i + 1:]
            break
        if a == "--cols":
            cols = int(argv[i + 1]); i += 2
        elif a == "--rows":
            rows = int(argv[i + 1]); i += 2
        elif a == "--out":
            out = argv[i + 1]; i += 2
        elif a == "--ctrl-c-after":
            ctrl_c.append(re.compile(argv[i + 1].encode())); i += 2
        elif a == "--signals-after":
            sig_after = re.compile(argv[i + 1].encode()); i += 2
        else:
            sys.exit("ptyrun.py run: unknown option " + a)
    if not cmd or not out:
        sys.exit("ptyrun.py run: need --out FILE -- CMD...")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    data = bytearray()
    searched_from = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        if ctrl_c and ctrl_c[0].search(bytes(data[searched_from:])):
            ctrl_c.pop(0)
            searched_from = len(data)
            os.write(fd, b"\x03")
        if sig_after and sig_after.search(bytes(data)):
            sig_after = None
            os.kill(pid, signal.SIGSTOP)
            os.kill(pid, signal.SIGTERM)
            os.kill(pid, signal.SIGINT)
            os.kill(pid, signal.SIGCONT)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    with open(out, "wb") as f:
        f.write(data)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def frames(path):
    # "^C" is the terminal echoing a Ctrl-C, not the program's drawing
    data = ANSI.sub(b"", open(path, "rb").read()).replace(b"^C", b"")
    for piece in re.split(rb"[\r\n]", data):
        if piece.strip():
            sys.stdout.write(piece.decode("utf-8", "replace") + "\n")
    return 0


def width(path):
    widest = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
                for c in line.rstrip("\n"))
        widest = max(widest, w)
    print(widest)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    verb, rest = sys.argv[1], sys.argv[2:]
    if verb == "run":
        sys.exit(run(rest))
    if verb == "frames":
        sys.exit(frames(rest[0]))
    if verb == "width":
        sys.exit(width(rest[0]))
    sys.exit(__doc__)
