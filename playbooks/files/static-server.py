#!/usr/bin/python3
"""A tiny static web server for the opsbot demo store.

Serves one directory on 127.0.0.1:<port> in the background (a daemon with a pid file), so the demo
needs nothing but ansible and python3. The directory path is kept as given and resolved on every
request, so serving a symlink follows it when opsbot repoints it (the demo's traffic switch).

  static-server.py --dir DIR --port PORT --pidfile FILE   start (prints "started" or "running")
  static-server.py --stop --pidfile FILE                  stop (prints "stopped" or "not running")
"""
import argparse
import functools
import http.server
import os
import signal
import sys

MARK = "static-server.py"


def ours(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return MARK.encode() in f.read()
    except OSError:
        return False


def read_pid(pidfile):
    try:
        with open(pidfile, encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


def stop(pidfile):
    pid = read_pid(pidfile)
    if pid is None or not ours(pid):
        print("not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    try:
        os.unlink(pidfile)
    except OSError:
        pass
    print("stopped")
    return 0


def start(directory, port, pidfile):
    pid = read_pid(pidfile)
    if pid is not None and ours(pid):
        print("running")
        return 0
    handler = functools.partial(Handler, directory=directory)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{port}: {error}", file=sys.stderr)
        return 1
    server.daemon_threads = True
    child = os.fork()
    if child > 0:
        os.waitpid(child, 0)
        server.server_close()
        print("started")
        return 0
    os.setsid()
    grandchild = os.fork()
    if grandchild > 0:
        with open(pidfile, "w", encoding="ascii") as f:
            f.write(f"{grandchild}\n")
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir")
    parser.add_argument("--port", type=int)
    parser.add_argument("--pidfile", required=True)
    parser.add_argument("--stop", action="store_true")
    args = parser.parse_args()
    if args.stop:
        return stop(args.pidfile)
    if args.dir is None or args.port is None:
        parser.error("--dir and --port are required to start")
    return start(args.dir, args.port, args.pidfile)


if __name__ == "__main__":
    sys.exit(main())
