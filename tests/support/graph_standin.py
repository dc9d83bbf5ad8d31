"""A stand-in for the Microsoft Graph v1.0 mail API, on loopback over TLS.

Held to Microsoft's published API (learn.microsoft.com/graph/api/...): only
the calls below exist, each with its documented shape and status codes;
anything else is refused (400 BadRequest / 404 / 405), as the sandbox
refuses what XL Release's documentation does not promise.

- GET  /v1.0/users/{id}/mailFolders/{folder}            (mailfolder-get)
- GET  /v1.0/users/{id}/mailFolders?$filter=displayName eq '..'  (user-list-mailfolders)
- POST /v1.0/users/{id}/mailFolders  {"displayName"} -> 201; an existing
  name -> 409 ErrorFolderExists                          (user-post-mailfolders)
- GET  /v1.0/users/{id}/mailFolders/{folder}/messages   (mailfolder-list-messages):
  $top (page size; the server may return fewer), $select, $orderby=
  receivedDateTime, $expand=singleValueExtendedProperties($filter=id eq
  'Integer 0x0E08'); pages linked by an absolute @odata.nextLink ($skip)
- GET  /v1.0/users/{id}/messages/{mid}?$select=internetMessageHeaders (message-get)
- GET  /v1.0/users/{id}/messages/{mid}/$value -> the MIME (message-get, "Get MIME content")
- DELETE /v1.0/users/{id}/messages/{mid} -> 204 (moves it to Deleted Items)
- POST /v1.0/users/{id}/messages/{mid}/move {"destinationId"} -> 201 and the
  message with a NEW id (message-move); an unknown id -> 404 ErrorItemNotFound
- POST /v1.0/users/{id}/sendMail, Content-Type text/plain, the MIME in
  base64 -> 202 Accepted (user-sendmail, "send a message using MIME format");
  a body that is not base64 MIME -> 400 ErrorMimeContentInvalidBase64String
- errors: {"error": {"code", "message", "innerError": {...}}}; 401
  InvalidAuthenticationToken for a missing/expired token; 403
  ErrorAccessDenied when the application access policy does not cover the
  mailbox; 429 with Retry-After when throttled (``throttle``).

Tokens come from tests/support/oauth_server.TokenService: live, with the
Graph scope, issued to an app whose access policy names the mailbox.
"""
from __future__ import annotations

import base64
import datetime
import email
import json
import re
import threading
import urllib.parse
import uuid

from .oauth_server import QuietHandler, TokenService, serve_https, stop_server

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
SIZE_ID = "Integer 0xe08"    # how Graph echoes the PidTagMessageSize id
WELL_KNOWN = {"inbox": "Inbox", "deleteditems": "Deleted Items"}


def _iso(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Mailbox:
    def __init__(self, address):
        self.address = address
        self.folders = {}       # folder id -> display name
        self.by_name = {}
        self.messages = {}      # message id -> dict(folder, mime, received, modified)
        for well_known, name in WELL_KNOWN.items():
            folder_id = "AAMkF-" + well_known
            self.folders[folder_id] = name
            self.by_name[name] = folder_id
            self.by_name[well_known] = folder_id


class GraphStandIn:
    def __init__(self, tokens: TokenService, max_page: int = 10):
        self.tokens = tokens
        self.max_page = max_page
        self.mailboxes: dict[str, Mailbox] = {}
        self.access_policy: dict[str, set] = {}   # app client id -> mailboxes it may open
        self.throttle = []                         # Retry-After values for the next requests
        self.log = []                              # (method, path) of every request
        self.sent = []                             # (mailbox, MIME bytes) sent
        self.lock = threading.RLock()
        self.clock = lambda: datetime.datetime.utcnow()
        self.server = None

    # --- test controls ------------------------------------------------------------
    def mailbox(self, address) -> Mailbox:
        with self.lock:
            return self.mailboxes.setdefault(address.lower(), Mailbox(address))

    def allow(self, client_id, address):
        """New-ApplicationAccessPolicy -AccessRight RestrictAccess for one mailbox."""
        self.access_policy.setdefault(client_id, set()).add(address.lower())

    def deliver(self, address, mime: bytes, folder="inbox", received=None):
        box = self.mailbox(address)
        with self.lock:
            message_id = "AAMkAG" + uuid.uuid4().hex
            when = received or self.clock()
            box.messages[message_id] = {"folder": box.by_name[folder], "mime": mime,
                                        "received": when, "modified": when}
            return message_id

    def folder_count(self, address, name="inbox"):
        box = self.mailbox(address)
        with self.lock:
            folder_id = box.by_name.get(name)
            return sum(1 for m in box.messages.values() if m["folder"] == folder_id)

    @property
    def base_url(self):
        return "https://127.0.0.1:%d/v1.0" % self.server.server_address[1]

    # --- the server -----------------------------------------------------------------
    def start(self) -> "GraphStandIn":
        graph = self

        class Handler(QuietHandler):
            def _send(self, status, body=None, content_type="application/json", extra=()):
                data = body if isinstance(body, bytes) else (
                    json.dumps(body).encode() if body is not None else b"")
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", str(uuid.uuid4()))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status, code, message, extra=()):
                self._send(status, {"error": {"code": code, "message": message, "innerError": {
                    "date": _iso(graph.clock()), "request-id": str(uuid.uuid4())}}}, extra=extra)

            def _raw(self):
                length = int(self.headers.get("Content-Length") or 0)
                return (self.headers.get("Content-Type", ""),
                        self.rfile.read(length) if length else b"")

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw) if raw else {}
                except ValueError:
                    return None

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

            def do_PATCH(self):
                self._route("PATCH")

            def _route(self, method):
                parts = urllib.parse.urlsplit(self.path)
                path = urllib.parse.unquote(parts.path)
                query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
                if method == "POST" and parts.path.endswith("/sendMail"):
                    body = self._raw()
                else:
                    body = self._body() if method in ("POST", "PATCH") else None
                graph.log.append((method, path))
                if graph.throttle:
                    seconds = graph.throttle.pop(0)
                    return self._error(429, "TooManyRequests", "Too many requests.",
                                       [("Retry-After", str(seconds))])
                auth = self.headers.get("Authorization", "")
                token = graph.tokens.active(auth[len("Bearer "):]) if auth.startswith("Bearer ") \
                    else None
                if token is None or token.scope != GRAPH_SCOPE:
                    return self._error(401, "InvalidAuthenticationToken",
                                       "Access token is empty, expired or not valid.")
                m = re.match(r"^/v1\.0/users/([^/]+)(/.*)$", path)
                if not m:
                    return self._error(400, "BadRequest", "Resource not found for the segment.")
                address, rest = m.group(1).lower(), m.group(2)
                if address not in graph.access_policy.get(token.client_id, set()):
                    return self._error(403, "ErrorAccessDenied", "Access is denied. Check "
                                       "credentials and try again.")
                if address not in graph.mailboxes:
                    return self._error(404, "ErrorInvalidUser", "The requested user is invalid.")
                with graph.lock:
                    return self._mail(method, graph.mailboxes[address], rest, query, body)

            def _mail(self, method, box, rest, query, body):
                if rest == "/sendMail" and method == "POST":
                    return self._send_mime(box, body)
                allowed = {"$top", "$select", "$orderby", "$expand", "$skip", "$filter"}
                unknown = [k for k in query if k.startswith("$") and k not in allowed]
                if unknown:
                    return self._error(400, "BadRequest", "Query option '%s' is not allowed."
                                       % unknown[0])
                m = re.match(r"^/mailFolders/([^/]+)/messages$", rest)
                if m and method == "GET":
                    return self._list(box, m.group(1), query)
                m = re.match(r"^/mailFolders/([^/]+)$", rest)
                if m and method == "GET":
                    folder_id = box.by_name.get(m.group(1).lower(), m.group(1))
                    if folder_id not in box.folders:
                        return self._error(404, "ErrorItemNotFound", "The specified object "
                                           "was not found in the store.")
                    total = sum(1 for x in box.messages.values() if x["folder"] == folder_id)
                    return self._send(200, {"id": folder_id, "displayName": box.folders[folder_id],
                                            "totalItemCount": total, "unreadItemCount": total})
                if rest == "/mailFolders" and method == "GET":
                    wanted = query.get("$filter", [""])[0]
                    fm = re.match(r"^displayName eq '((?:[^']|'')*)'$", wanted)
                    if wanted and not fm:
                        return self._error(400, "BadRequest", "Invalid filter clause.")
                    name = fm.group(1).replace("''", "'") if fm else None
                    return self._send(200, {"value": [
                        {"id": fid, "displayName": n} for fid, n in box.folders.items()
                        if name is None or n == name]})
                if rest == "/mailFolders" and method == "POST":
                    name = (body or {}).get("displayName")
                    if not isinstance(name, str) or not name:
                        return self._error(400, "ErrorInvalidRequest", "displayName is required.")
                    if name in box.folders.values():
                        return self._error(409, "ErrorFolderExists",
                                           "A folder with the specified name already exists.")
                    folder_id = "AAMkF-" + uuid.uuid4().hex
                    box.folders[folder_id] = name
                    box.by_name[name] = folder_id
                    return self._send(201, {"id": folder_id, "displayName": name,
                                            "totalItemCount": 0})
                m = re.match(r"^/messages/([^/]+)(/\$value|/move)?$", rest)
                if not m:
                    return self._error(400, "BadRequest", "Resource not found for the segment.")
                message_id, tail = m.group(1), m.group(2)
                message = box.messages.get(message_id)
                if message is None:
                    return self._error(404, "ErrorItemNotFound",
                                       "The specified object was not found in the store.")
                if tail == "/$value" and method == "GET":
                    return self._send(200, message["mime"], content_type="text/plain")
                if tail is None and method == "GET":
                    if query.get("$select", [""])[0] != "internetMessageHeaders":
                        return self._error(400, "BadRequest", "only $select="
                                           "internetMessageHeaders is served here")
                    parsed = email.message_from_bytes(message["mime"])
                    return self._send(200, {"id": message_id, "internetMessageHeaders": [
                        {"name": k, "value": str(v)} for k, v in parsed.items()]})
                if tail is None and method == "DELETE":
                    # Delete moves the message to Deleted Items (a new id there).
                    del box.messages[message_id]
                    box.messages["AAMkAG" + uuid.uuid4().hex] = dict(
                        message, folder=box.by_name["deleteditems"], modified=graph.clock())
                    return self._send(204)
                if tail == "/move" and method == "POST":
                    destination = (body or {}).get("destinationId")
                    folder_id = box.by_name.get(str(destination).lower(), destination)
                    if folder_id not in box.folders:
                        return self._error(400, "ErrorInvalidIdMalformed",
                                           "Id is malformed.")
                    del box.messages[message_id]
                    new_id = "AAMkAG" + uuid.uuid4().hex
                    box.messages[new_id] = dict(message, folder=folder_id, modified=graph.clock())
                    return self._send(201, self._shape(new_id, box.messages[new_id], None))
                return self._error(405, "Request_BadRequest", "Method not allowed.")

            def _send_mime(self, box, body):
                content_type, data = body
                if content_type.split(";")[0].strip() != "text/plain":
                    return self._error(415, "UnsupportedMediaType", "text/plain expected.")
                try:
                    mime = base64.b64decode(data, validate=True)
                except ValueError:
                    mime = b""
                if b"\r\n\r\n" not in mime and b"\n\n" not in mime:
                    return self._error(400, "ErrorMimeContentInvalidBase64String",
                                       "Invalid base64 string for MIME content.")
                graph.sent.append((box.address, mime))
                return self._send(202)

            def _shape(self, message_id, message, select):
                full = {"@odata.etag": 'W/"CQAAABYAAAA%s"' % message_id[-8:], "id": message_id,
                        "receivedDateTime": _iso(message["received"]),
                        "lastModifiedDateTime": _iso(message["modified"]),
                        "parentFolderId": message["folder"],
                        "subject": email.message_from_bytes(message["mime"]).get("Subject", "")}
                if select:
                    keep = set(select.split(",")) | {"id"}
                    full = {k: v for k, v in full.items() if k in keep or k == "@odata.etag"}
                return full

            def _list(self, box, folder, query):
                folder_id = box.by_name.get(folder.lower(), folder)
                if folder_id not in box.folders:
                    return self._error(404, "ErrorItemNotFound",
                                       "The specified object was not found in the store.")
                expand = query.get("$expand", [""])[0]
                size_wanted = False
                if expand:
                    if not re.match(r"^singleValueExtendedProperties\(\$filter=id eq "
                                    r"'Integer 0x0E08'\)$", expand, re.I):
                        return self._error(400, "BadRequest", "Unsupported $expand.")
                    size_wanted = True
                order = query.get("$orderby", ["receivedDateTime"])[0]
                if order not in ("receivedDateTime", "receivedDateTime asc",
                                 "receivedDateTime desc"):
                    return self._error(400, "BadRequest", "Unsupported $orderby.")
                try:
                    top = int(query.get("$top", ["10"])[0])
                    skip = int(query.get("$skip", ["0"])[0])
                except ValueError:
                    return self._error(400, "BadRequest", "Invalid $top or $skip.")
                if not 1 <= top <= 1000:
                    return self._error(400, "BadRequest", "Invalid $top.")
                items = sorted(((mid, m) for mid, m in box.messages.items()
                                if m["folder"] == folder_id),
                               key=lambda x: x[1]["received"], reverse=order.endswith("desc"))
                page_size = min(top, graph.max_page)
                page = items[skip:skip + page_size]
                select = query.get("$select", [None])[0]
                value = []
                for mid, m in page:
                    shaped = self._shape(mid, m, select)
                    if size_wanted:
                        shaped["singleValueExtendedProperties"] = [
                            {"id": SIZE_ID, "value": str(len(m["mime"]))}]
                    value.append(shaped)
                answer = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users"
                                            "('%s')/mailFolders('%s')/messages" % (
                                                box.address, folder), "value": value}
                if skip + page_size < len(items):
                    following = dict((k, v[0]) for k, v in query.items())
                    following["$skip"] = str(skip + page_size)
                    answer["@odata.nextLink"] = "%s/users/%s/mailFolders/%s/messages?%s" % (
                        graph.base_url, box.address, folder,
                        urllib.parse.urlencode(following, quote_via=urllib.parse.quote))
                return self._send(200, answer)

        self.server = serve_https(Handler, self.tokens.tls)
        return self

    def stop(self):
        stop_server(self.server)
        self.server = None
