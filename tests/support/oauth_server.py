"""A small OAuth 2.0 authorization server on loopback, over verified TLS.

What it does, by the RFCs the plugin and Dovecot rely on:
- token endpoint (RFC 6749 4.4 client credentials, 6 refresh token; client
  authentication with ``client_secret_post``, 2.3.1): JSON answers with
  ``access_token``, ``token_type``, ``expires_in``; errors as 5.2 says
  (HTTP 400, ``error``/``error_description``; 401 for ``invalid_client``);
- revocation endpoint (RFC 7009) for the client's own tokens;
- introspection endpoint (RFC 7662) for Dovecot's ``oauth2`` passdb:
  ``{"active": true, "username": ...}`` for a live token, ``{"active":
  false}`` otherwise; protected with HTTP Basic credentials;
- test controls: revocation, early expiry, a clock offset, refusing clients,
  answering slowly (the handler waits on an event, so a test ends the wait),
  and a count of requests.
"""
from __future__ import annotations

import base64
import dataclasses
import http.server
import json
import secrets
import socket
import ssl
import threading
import time
import urllib.parse

from .certs import TlsFiles

INTROSPECT_USER = "dovecot"
INTROSPECT_PASSWORD = "introspection-secret-7731"


@dataclasses.dataclass
class Client:
    client_id: str
    secret: str
    user: str                      # the mailbox the app may use (client credentials)
    scopes: tuple = ("https://outlook.office365.com/.default",)


@dataclasses.dataclass
class Token:
    value: str
    user: str
    client_id: str
    scope: str
    expires_at: float
    revoked: bool = False


class TokenService:
    def __init__(self, tls: TlsFiles, lifetime: int = 3600):
        self.tls = tls
        self.lifetime = lifetime
        self.clients: dict[str, Client] = {}
        self.refresh_tokens: dict[str, tuple[str, str]] = {}   # token -> (client id, user)
        self.tokens: dict[str, Token] = {}
        self.clock_offset = 0.0
        self.slow = threading.Event()       # set: token requests wait for `release`
        self.release = threading.Event()
        self.token_requests = 0
        self.introspections = 0
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    # --- controls ------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def add_client(self, client_id: str, secret: str, user: str, scopes=None) -> Client:
        client = Client(client_id, secret, user, tuple(scopes or Client.scopes))
        self.clients[client_id] = client
        return client

    def add_refresh_token(self, client_id: str, user: str) -> str:
        value = "rt-" + secrets.token_urlsafe(24)
        self.refresh_tokens[value] = (client_id, user)
        return value

    def mint(self, user: str, client_id: str = "test", scope: str = "", lifetime=None) -> str:
        value = "at-" + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[value] = Token(value, user, client_id, scope,
                                       self.now() + (lifetime or self.lifetime))
        return value

    def issued(self, user: str | None = None) -> list[Token]:
        with self.lock:
            return [t for t in self.tokens.values() if user is None or t.user == user]

    def revoke_all(self, user: str | None = None) -> None:
        with self.lock:
            for token in self.tokens.values():
                if user is None or token.user == user:
                    token.revoked = True

    def expire_all(self, user: str | None = None) -> None:
        with self.lock:
            for token in self.tokens.values():
                if user is None or token.user == user:
                    token.expires_at = self.now() - 1

    def active(self, value: str) -> Token | None:
        with self.lock:
            token = self.tokens.get(value)
            if token is None or token.revoked or token.expires_at <= self.now():
                return None
            return token

    # --- HTTP ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return "https://127.0.0.1:%d" % self.server.server_address[1]

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def slow_token_url(self) -> str:
        return self.base_url + "/slow/token"

    @property
    def revoke_url(self) -> str:
        return self.base_url + "/revoke"

    @property
    def introspection_url(self) -> str:
        return "https://%s:%s@127.0.0.1:%d/introspect" % (
            INTROSPECT_USER, INTROSPECT_PASSWORD, self.server.server_address[1])

    def start(self) -> "TokenService":
        service = self

        class Handler(QuietHandler):
            def _answer(self, status, body, extra=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _form(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                if path.startswith("/slow/"):
                    # An endpoint that answers too late (until `release`).
                    service.release.wait(30)
                    path = path[len("/slow"):]
                if path == "/token":
                    self._token()
                elif path == "/introspect":
                    self._introspect()
                elif path == "/revoke":
                    self._revoke()
                else:
                    self._answer(404, {"error": "not_found"})

            def _token(self):
                with service.lock:
                    service.token_requests += 1
                form = self._form()
                if service.slow.is_set():
                    service.release.wait(30)
                if self.headers.get("Content-Type", "").split(";")[0] != \
                        "application/x-www-form-urlencoded":
                    return self._answer(400, {"error": "invalid_request",
                                              "error_description": "form body expected"})
                client = service.clients.get(form.get("client_id", ""))
                grant = form.get("grant_type")
                if client is None:
                    return self._answer(401, {"error": "invalid_client",
                                              "error_description": "unknown client"},
                                        [("WWW-Authenticate", 'Basic realm="token"')])
                if grant == "client_credentials":
                    if not secrets.compare_digest(form.get("client_secret", ""), client.secret):
                        return self._answer(401, {
                            "error": "invalid_client",
                            "error_description": "AADSTS7000215: Invalid client secret provided."},
                            [("WWW-Authenticate", 'Basic realm="token"')])
                    scope = form.get("scope", "")
                    if scope not in client.scopes:
                        return self._answer(400, {"error": "invalid_scope",
                                                  "error_description": "scope not granted"})
                    user = client.user
                elif grant == "refresh_token":
                    if client.secret and not secrets.compare_digest(
                            form.get("client_secret", ""), client.secret):
                        return self._answer(401, {"error": "invalid_client",
                                                  "error_description": "bad client secret"})
                    held = service.refresh_tokens.get(form.get("refresh_token", ""))
                    if held is None or held[0] != client.client_id:
                        return self._answer(400, {"error": "invalid_grant",
                                                  "error_description": "Token has been expired "
                                                                       "or revoked."})
                    user, scope = held[1], form.get("scope", "https://mail.google.com/")
                else:
                    return self._answer(400, {"error": "unsupported_grant_type",
                                              "error_description": "grant %s" % grant})
                value = service.mint(user, client.client_id, scope)
                self._answer(200, {"access_token": value, "token_type": "Bearer",
                                   "expires_in": service.lifetime, "scope": scope})

            def _revoke(self):
                # RFC 7009: the client revokes its own token; 200 even when
                # the token is unknown.
                form = self._form()
                client = service.clients.get(form.get("client_id", ""))
                if client is None or not secrets.compare_digest(
                        form.get("client_secret", ""), client.secret):
                    return self._answer(401, {"error": "invalid_client"})
                with service.lock:
                    token = service.tokens.get(form.get("token", ""))
                    if token is not None and token.client_id == client.client_id:
                        token.revoked = True
                self._answer(200, {})

            def _introspect(self):
                expected = base64.b64encode(
                    ("%s:%s" % (INTROSPECT_USER, INTROSPECT_PASSWORD)).encode()).decode()
                if self.headers.get("Authorization", "") != "Basic " + expected:
                    return self._answer(401, {"error": "invalid_client"},
                                        [("WWW-Authenticate", 'Basic realm="introspect"')])
                with service.lock:
                    service.introspections += 1
                token = service.active(self._form().get("token", ""))
                if token is None:
                    return self._answer(200, {"active": False})
                self._answer(200, {"active": True, "username": token.user,
                                   "client_id": token.client_id, "scope": token.scope,
                                   "token_type": "Bearer", "exp": int(token.expires_at)})

        self.server = serve_https(Handler, self.tls)
        return self

    def stop(self) -> None:
        self.release.set()
        stop_server(self.server)
        self.server = None


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """An HTTP/1.1 request handler that logs no request lines."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that refuse our certificate on purpose (tests)


def serve_https(handler, tls: TlsFiles) -> http.server.ThreadingHTTPServer:
    """A threading HTTPS server with ``tls``'s certificate on a free loopback
    port, serving ``handler`` from a daemon thread."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls.cert_pem), str(tls.key_pem))
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_server(server) -> None:
    """Stops a server of serve_https (None: nothing to stop)."""
    if server is not None:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port with nothing listening (an endpoint that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dovecot_oauth2_conf(service: TokenService) -> str:
    """The oauth2 passdb args file for Dovecot 2.3 (PasswordDatabase.oauth2);
    tests/support/dovecot.py adds the CA (its own TLS files, shared)."""
    return "\n".join([
        "introspection_url = %s" % service.introspection_url,
        "introspection_mode = post",
        "username_attribute = username",
        "active_attribute = active",
        "active_value = true",
        "timeout_msecs = 10000",
        "",
    ])
