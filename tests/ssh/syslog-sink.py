#!/usr/bin/env python3
"""A minimal syslog receiver for the SSH test.

    syslog-sink.py SOCKET OUTFILE [LIFETIME_SECONDS]

Binds a unix datagram socket at SOCKET (what syslog(3) writes to at
/dev/log), then appends every message received to OUTFILE, one line each,
flushed at once, with control characters shown as \\xNN so that a test can
grep it.  Writes "ready" on stdout once bound.  Exits on SIGTERM / SIGINT or
after LIFETIME_SECONDS (default 120), so that a crashed test leaves nothing
running for long.
"""

import os
import signal
import socket
import sys
import time


def printable(data: bytes) -> str:
    text = data.decode("utf-8", errors="backslashreplace").rstrip("\n\0")
    return "".join(c if c >= " " and c != "\x7f" else "\\x%02x" % ord(c) for c in text)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 64
    path, outfile = sys.argv[1], sys.argv[2]
    lifetime = float(sys.argv[3]) if len(sys.argv) == 4 else 120.0
    deadline = time.monotonic() + lifetime

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.lexists(path):
        print(f"syslog-sink: {path} exists already", file=sys.stderr)
        return 1
    sock.bind(path)
    os.chmod(path, 0o666)
    print("ready", flush=True)
    with open(outfile, "a", encoding="utf-8") as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            sock.settimeout(min(left, 1.0))
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            out.write(printable(data) + "\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
