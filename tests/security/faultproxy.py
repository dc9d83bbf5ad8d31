"""A loopback TCP proxy in front of a plain-text IMAP server that breaks the
connection at an exact protocol step: deterministic, no timing involved.

The proxy counts the lines the client sends (each IMAP command is one line,
a literal's continuation is one more).  Armed with ``cut_at(n, when)`` it
breaks the n-th line of the next connection:

- ``'before'``: the command never reaches the server, the client sees the
  connection close while it waits for the answer;
- ``'after'``: the command reaches the server and the proxy waits for the
  server's tagged answer (so the server has done it), then closes both sides
  without passing the answer on: the client cannot know it happened;
- ``'hook'``: like ``'before'`` but calls ``on_cut`` first (e.g. to stop the
  server itself at that step).

``lines_seen`` of the last connection lets a test count a cycle's steps once
and then cut at each of them.
"""
from __future__ import annotations

import socket
import threading


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._plan = None            # (line number, when, on_cut) for the next connection
        self.connections = 0
        self.cuts = 0
        self.commands: list[list[bytes]] = []   # client lines, per connection
        self.ended: list[threading.Event] = []  # per connection: both sides closed
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # --- control -----------------------------------------------------------
    def cut_at(self, line: int, when: str = "before", on_cut=None) -> None:
        assert when in ("before", "after", "hook")
        with self._lock:
            self._plan = (line, when, on_cut)

    def disarm(self) -> None:
        with self._lock:
            self._plan = None

    @property
    def armed(self) -> bool:
        with self._lock:
            return self._plan is not None

    def close(self) -> None:
        self._closed = True
        try:
            self.listener.close()
        except OSError:
            pass

    # --- plumbing ------------------------------------------------------------
    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                plan, self._plan = self._plan, None
                self.connections += 1
                lines: list[bytes] = []
                self.commands.append(lines)
                ended = threading.Event()
                self.ended.append(ended)
            threading.Thread(target=self._serve, args=(client, plan, lines, ended),
                             daemon=True).start()

    def _serve(self, client, plan, lines, ended):
        try:
            self._pump(client, plan, lines)
        finally:
            ended.set()

    def _pump(self, client, plan, lines):
        try:
            upstream = socket.create_connection(self.upstream, timeout=30)
        except OSError:
            client.close()
            return
        done = threading.Event()
        # Server -> client is pumped by a thread unless we are holding back an answer.
        hold = {"tag": None, "buffer": b"", "cut": threading.Event()}

        def pump_down():
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    if hold["tag"] is not None:
                        hold["buffer"] += data
                        if _has_tagged_answer(hold["buffer"], hold["tag"]):
                            # The server has done the command: break before the
                            # client hears about it.
                            hold["cut"].set()
                            break
                        continue
                    client.sendall(data)
            except OSError:
                pass
            finally:
                done.set()

        down = threading.Thread(target=pump_down, daemon=True)
        down.start()
        pending = b""
        try:
            while not done.is_set():
                data = client.recv(65536)
                if not data:
                    break
                pending += data
                out = b""
                cut_now = False
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    line += b"\n"
                    lines.append(line)
                    if plan is not None and len(lines) == plan[0]:
                        number, when, on_cut = plan
                        if when == "after":
                            hold["tag"] = line.split(b" ", 1)[0]
                            upstream.sendall(out + line)
                            out = b""
                            hold["cut"].wait(30)
                        else:
                            if on_cut is not None:
                                on_cut()
                            upstream.sendall(out) if out else None
                            out = b""
                        cut_now = True
                        break
                    out += line
                if out:
                    upstream.sendall(out)
                if cut_now:
                    with self._lock:
                        self.cuts += 1
                    break
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def _has_tagged_answer(buffer: bytes, tag: bytes) -> bool:
    for line in buffer.split(b"\r\n"):
        if line.startswith(tag + b" "):
            return True
    return False
