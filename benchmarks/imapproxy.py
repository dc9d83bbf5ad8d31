"""A loopback TCP proxy in front of a plain-text IMAP server.

It counts what a client does (command lines, by name; bytes each way), can
cut every open connection at once (a server dropping its clients), can
hide IDLE from the server's capability lists (a server without IDLE), and
can add a fixed delay to everything the server sends (``rtt``; for delays the
benchmark uses benchmarks/netdelay.py, a process of its own, because this
proxy runs in the measured client's process).  TCP_NODELAY on both sides.
Used by the performance tests and the benchmark (byte counts); not by the plugin.
"""
from __future__ import annotations

import collections
import queue
import re
import socket
import threading
import time

# "<tag> <COMMAND>" or "<tag> UID <COMMAND>"; DONE and literal data are not commands.
_COMMAND = re.compile(rb"^[A-Za-z0-9.]+ (UID )?([A-Za-z]+)")
_IDLE_WORD = re.compile(rb" IDLE(?=[ \]\r])")


class ImapProxy:
    def __init__(self, upstream_host: str, upstream_port: int, hide_idle: bool = False,
                 rtt: float = 0.0):
        self.upstream = (upstream_host, upstream_port)
        self.hide_idle = hide_idle
        self.rtt = rtt
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.host, self.port = self.listener.getsockname()
        self.lock = threading.Lock()
        self.commands: collections.Counter = collections.Counter()
        self.command_lines: list[bytes] = []
        self.command_reads: list[list[str]] = []   # the command names of each read (pipelining)
        self.bytes_to_client = 0
        self.bytes_to_server = 0
        self.connections = 0
        self.cuts = 0
        self.command_seen = threading.Condition(self.lock)
        self._open: list[tuple[socket.socket, socket.socket]] = []
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True, name="imapproxy").start()

    # --- control ---------------------------------------------------------
    def reset_counts(self) -> None:
        with self.lock:
            self.commands.clear()
            self.command_lines.clear()
            self.command_reads.clear()
            self.bytes_to_client = self.bytes_to_server = 0

    def total_commands(self, exclude=("LOGOUT",)) -> int:
        with self.lock:
            return sum(n for name, n in self.commands.items() if name not in exclude)

    def wait_for_command(self, name: str, count: int, timeout: float) -> bool:
        """Wait (with a deadline) until ``name`` was seen ``count`` times."""
        with self.command_seen:
            return self.command_seen.wait_for(lambda: self.commands[name] >= count, timeout)

    def cut_all(self) -> int:
        """Close every open connection, as a server restart would."""
        with self.lock:
            pairs, self._open = self._open, []
            self.cuts += len(pairs)
        for client, server in pairs:
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        return len(pairs)

    def close(self) -> None:
        self._closed = True
        try:
            self.listener.close()
        except OSError:
            pass
        self.cut_all()

    # --- pumping -----------------------------------------------------------
    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
                # Small command lines must not wait for Nagle's algorithm.
                for s in (client, server):
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += 1
                self._open.append((client, server))
            threading.Thread(
                target=self._client_to_server, args=(client, server), daemon=True
            ).start()
            threading.Thread(
                target=self._server_to_client, args=(server, client), daemon=True
            ).start()

    def _client_to_server(self, client, server):
        pending = b""
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                with self.lock:
                    self.bytes_to_server += len(data)
                    names = []
                    for line in lines:
                        match = _COMMAND.match(line)
                        if match:
                            names.append(match.group(2).upper().decode())
                            self.commands[names[-1]] += 1
                            self.command_lines.append(line.rstrip(b"\r"))
                    if names:
                        self.command_reads.append(names)
                    self.command_seen.notify_all()
                server.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair(client, server)

    def _server_to_client(self, server, client):
        delayed = None
        if self.rtt > 0:
            delayed = queue.Queue()
            threading.Thread(target=self._send_when_due, args=(delayed, client, server),
                             daemon=True).start()
        pending = b""
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if self.hide_idle:
                    # Rewrite whole lines only, so a capability list split
                    # across two reads is still caught.
                    pending += data
                    cut = pending.rfind(b"\n") + 1
                    data, pending = pending[:cut], pending[cut:]
                    data = b"\n".join(
                        _IDLE_WORD.sub(b"", line) if b"CAPABILITY" in line.upper() else line
                        for line in data.split(b"\n")
                    )
                    if not data:
                        continue
                with self.lock:
                    self.bytes_to_client += len(data)
                if delayed is not None:
                    delayed.put((time.monotonic() + self.rtt, data))
                else:
                    client.sendall(data)
        except OSError:
            pass
        finally:
            if delayed is not None:
                delayed.put(None)   # the sender closes the pair once it has sent the rest
            else:
                self._close_pair(client, server)

    def _send_when_due(self, delayed, client, server):
        # Each chunk leaves ``rtt`` after it arrived: latency without a
        # bandwidth limit (chunks queue up, they do not wait one after another).
        try:
            while True:
                item = delayed.get()
                if item is None:
                    break
                due, data = item
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)   # simulated network delay, not synchronisation
                client.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair(client, server)

    def _close_pair(self, client, server):
        with self.lock:
            self._open = [p for p in self._open if p != (client, server)]
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass
