#!/usr/bin/env python3
"""Runs a command under a pseudo-terminal of a given size and plays what it
wrote on a small terminal model (the escapes the CLI uses: CR, LF, CUU, CUF,
EL, ED, SGR), so a test can check both the raw stream and the final screen.

  pty_screen.py COLS ROWS OUT.json -- command args...

OUT.json: {"exit": status, "raw": the bytes as text, "screen": [rows],
"scrolled": [rows that scrolled off the top]}.
"""
import fcntl
import json
import os
import pty
import re
import struct
import sys
import termios


def play(data, cols, rows):
    screen = [[" "] * cols for _ in range(rows)]
    scrolled = []
    r = c = 0
    i = 0

    def newline():
        nonlocal r
        if r == rows - 1:
            scrolled.append("".join(screen.pop(0)).rstrip())
            screen.append([" "] * cols)
        else:
            r += 1

    while i < len(data):
        ch = data[i]
        if ch == "\x1b":
            m = re.match(r"\x1b\[([0-9;]*)([A-Za-z])", data[i:])
            if not m:
                i += 1
                continue
            arg, op = m.group(1), m.group(2)
            n = int(arg) if arg.isdigit() else 0
            if op == "A":
                r = max(0, r - max(n, 1))
            elif op == "C":
                c = min(cols - 1, c + max(n, 1))
            elif op == "K":
                if n == 2:
                    screen[r] = [" "] * cols
                else:
                    for k in range(min(c, cols), cols):
                        screen[r][k] = " "
            elif op == "J":
                for k in range(min(c, cols), cols):
                    screen[r][k] = " "
                for rr in range(r + 1, rows):
                    screen[rr] = [" "] * cols
            # SGR (m) and others change nothing on the screen model.
            i += len(m.group(0))
            continue
        if ch == "\r":
            c = 0
        elif ch == "\n":
            newline()
            c = 0  # the pty's ONLCR makes LF a CR LF
        elif ch >= " ":
            if c >= cols:  # pending wrap
                newline()
                c = 0
            screen[r][c] = ch
            c += 1
        i += 1
    return ["".join(row).rstrip() for row in screen], scrolled


def main():
    cols, rows, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execvp(cmd[0], cmd)
    chunks = []
    while True:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        chunks.append(b)
    _, status = os.waitpid(pid, 0)
    raw = b"".join(chunks).decode("utf-8", "replace")
    screen, scrolled = play(raw, cols, rows)
    with open(out, "w") as f:
        json.dump({"exit": os.waitstatus_to_exitcode(status), "raw": raw, "screen": screen,
                   "scrolled": scrolled}, f)


main()
