"""Microsoft Graph as the reply mailbox (Microsoft 365 tenants without IMAP).

``GraphMailbox`` offers the small part of ``imap.ImapClient`` that the fetch
loop (``drain.py``) uses (connect, login, select, uid_windows, fetch_info,
fetch_contents, delete, ensure_folder, move, logout), so the loop's order
(decide, record, log, remove) is the same for both sources.  Graph ids are long strings; the
loop sees small integers ("UIDs") that this adapter maps to them.

Calls (Microsoft Graph v1.0, app-only token, ``Mail.ReadWrite``):
- list:  GET /users/{mailbox}/mailFolders/inbox/messages, ``$top``,
  ``$select``, paged by ``@odata.nextLink`` (followed only to the same
  origin: the token goes nowhere else);
- size:  the MAPI property PidTagMessageSize (``Integer 0x0E08``) through
  ``$expand=singleValueExtendedProperties``;
- MIME:  GET /users/{mailbox}/messages/{id}/$value (bounded);
- headers (too-large mail only): ``$select=internetMessageHeaders``;
- send (optional): POST /users/{mailbox}/sendMail with the MIME (base64);
- remove: DELETE /users/{mailbox}/messages/{id}; quarantine: POST
  .../messages/{id}/move with ``destinationId``; folders: GET/POST
  /users/{mailbox}/mailFolders.

Claims for two fetchers: a message is claimed by moving it into a claim
folder.  The move gives the message a new id, so of two fetchers moving the
same message one gets it, the other 404 (ErrorItemNotFound): a documented,
atomic outcome, where If-Match on a message PATCH is not documented for
messages.  Claimed mail older than the claim timeout (a fetcher that died)
is moved back to the inbox by the next cycle.

Throttling: 429 and 503 are retried after ``Retry-After`` seconds (bounded),
a few times; a 401 gets one fresh token.  Errors are ``GraphError`` (an
``imap.ImapError``) with the Graph error code and message, no secret.
"""
from __future__ import absolute_import, unicode_literals

import base64
import datetime
import json
import time

from . import logs, maildebug, oauth
from .compat import chunks, to_bytes, to_text
from .imap import FetchedMeta, ImapError

DEFAULT_BASE = 'https://graph.microsoft.com/v1.0'
PAGE_SIZE = 50
MAX_MESSAGES = 5000          # listed per cycle; the rest waits for the next one
MAX_JSON = 8 * 1024 * 1024
MAX_RETRIES = 4
MAX_RETRY_AFTER = 120.0
DEFAULT_RETRY_AFTER = 5.0
CLAIM_FOLDER = 'XLR remote completion claims'
SIZE_PROPERTY = 'Integer 0x0E08'    # PidTagMessageSize
_sleep = time.sleep   # throttling waits (a test replaces it)
_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # Python 2 / Jython
    from urllib import quote
    from urlparse import urlsplit


class GraphError(ImapError):
    """A Graph call failed; ``status`` and ``code`` as Graph answered."""

    def __init__(self, message, status=None, code=None):
        ImapError.__init__(self, message)
        self.status = status
        self.code = code


def internaldate(iso):
    """Graph's ``2026-12-02T07:40:00Z`` as IMAP INTERNALDATE text (UTC)."""
    try:
        when = datetime.datetime.strptime(to_text(iso or '')[:19], '%Y-%m-%dT%H:%M:%S')
    except ValueError:
        return None
    return '%02d-%s-%04d %02d:%02d:%02d +0000' % (when.day, _MONTHS[when.month - 1], when.year,
                                                  when.hour, when.minute, when.second)


class _LazyMeta(FetchedMeta):
    """The header is fetched only when the loop reads it (too-large mail)."""

    def __init__(self, uid, size, date, load_header):
        FetchedMeta.__init__(self, uid, size, date)
        self._load = load_header
        self._header = None

    @property
    def header(self):
        if self._header is None:
            self._header = self._load()
        return self._header

    @header.setter
    def header(self, value):
        self._header = value


class GraphMailbox(object):
    """One mailbox through Graph; ``sleep`` is injectable for tests."""

    capabilities = ()
    sock = None

    def __init__(self, base_url, mailbox, tokens, trusted_pem=None, timeout=30.0,
                 max_bytes=64 * 1024 * 1024, sleep=None):
        self.base = to_text(base_url or DEFAULT_BASE).rstrip('/')
        self.mailbox = to_text(mailbox)
        self.tokens = tokens
        self.trusted_pem = trusted_pem
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.sleep = sleep or _sleep
        self.host = urlsplit(self.base).hostname
        self.port = urlsplit(self.base).port or 443
        self._origin = self._origin_of(self.base)
        self._context = None
        self._ids = {}        # uid -> current Graph id
        self._uids = {}       # Graph id -> uid
        self._listed = {}     # uid -> message JSON from the listing
        self._folders = {}    # display name -> folder id
        self.requests = 0

    @classmethod
    def for_config(cls, config, timeout=30.0, max_literal=64 * 1024 * 1024, sleep=None):
        tokens = oauth.TokenClient(config.oauth, config.trusted_certificates, timeout)
        return cls(config.graph_url, config.graph_mailbox, tokens, config.trusted_certificates,
                   timeout, max_literal, sleep)

    @staticmethod
    def _origin_of(url):
        parts = urlsplit(to_text(url))
        return (parts.scheme.lower(), (parts.hostname or '').lower(), parts.port or 443)

    # --- HTTP -------------------------------------------------------------------
    def _url(self, path):
        return '%s/users/%s%s' % (self.base, quote(self.mailbox, safe='@.'), path)

    def _request(self, method, url, body=None, max_bytes=MAX_JSON, ok=(200,), raw=None):
        """``body``: JSON; ``raw``: (content type, bytes) sent as they are."""
        if self._origin_of(url) != self._origin:
            raise GraphError('Graph sent a link to another server (%s): not followed'
                             % oauth.describe_url(url))
        if self._context is None:
            from . import tls
            self._context = tls.client_context(self.trusted_pem)
        data = None if body is None else to_bytes(json.dumps(body))
        content_type = 'application/json'
        if raw is not None:
            content_type, data = raw
        fresh_token = False
        attempt = 0
        while True:
            headers = {'Authorization': 'Bearer ' + self.tokens.token(fresh=fresh_token),
                       'Accept': 'application/json'}
            if data is not None:
                headers['Content-Type'] = content_type
            maildebug.trace('GRAPH', 'C', '%s %s' % (method, oauth.describe_url(url)))
            self.requests += 1
            try:
                answer = oauth.http_request(method, url, headers, data, timeout=self.timeout,
                                            max_bytes=max_bytes, context=self._context)
            except oauth.HttpError as error:
                raise GraphError('Graph %s failed: %s' % (method, error))
            maildebug.trace('GRAPH', 'S', '%d (%d bytes)' % (answer.status, len(answer.body)))
            if answer.status in ok:
                return answer
            if answer.status == 401 and not fresh_token:
                self.tokens.invalidate()     # revoked or expired early: one fresh token
                fresh_token = True
                continue
            if answer.status in (429, 503, 504) and attempt < MAX_RETRIES:
                attempt += 1
                self.sleep(self._retry_after(answer, attempt))
                continue
            raise self._error(method, url, answer)

    @staticmethod
    def _retry_after(answer, attempt):
        value = to_text(answer.header('Retry-After') or '').strip()
        try:
            seconds = float(value)
        except ValueError:
            seconds = DEFAULT_RETRY_AFTER * attempt
        return max(0.0, min(seconds, MAX_RETRY_AFTER))

    def _error(self, method, url, answer):
        data = answer.json() or {}
        error = data.get('error') if isinstance(data.get('error'), dict) else {}
        code = to_text(error.get('code') or '') or None
        message = logs.clean(logs.mask_secrets(to_text(error.get('message') or '')), 300)
        path = urlsplit(to_text(url)).path
        return GraphError('Graph %s %s failed: HTTP %d %s%s' % (
            method, logs.clean(path, 200), answer.status, code or '',
            (': ' + message) if message else ''), answer.status, code)

    def _json(self, method, path_or_url, body=None, ok=(200,)):
        url = path_or_url if path_or_url.startswith('https://') else self._url(path_or_url)
        answer = self._request(method, url, body, ok=ok)
        return answer.json() or {}

    # --- session (ImapClient's shape) ----------------------------------------------
    def connect(self):
        return self

    def has(self, capability):
        return False

    def login(self, username=None, password=None):
        """Gets a token (the OAuth settings are the credentials)."""
        self.tokens.token()

    def select(self, mailbox='INBOX'):
        folder = self._json('GET', '/mailFolders/inbox?$select=id,totalItemCount')
        try:
            return int(folder.get('totalItemCount') or 0)
        except (TypeError, ValueError):
            return 0

    def noop(self):
        pass

    def logout(self):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    # --- messages ----------------------------------------------------------------
    def _uid_for(self, graph_id):
        uid = self._uids.get(graph_id)
        if uid is None:
            uid = len(self._uids) + 1
            self._uids[graph_id] = uid
            self._ids[uid] = graph_id
        return uid

    def _rebind(self, uid, new_id):
        """A move gave the message a new id."""
        self._uids.pop(self._ids.get(uid), None)
        self._ids[uid] = new_id
        self._uids[new_id] = uid

    def list_folder(self, folder='inbox', limit=MAX_MESSAGES):
        """Message JSON of one folder, oldest first, following nextLink."""
        url = self._url('/mailFolders/%s/messages?$top=%d&$orderby=receivedDateTime'
                        '&$select=id,receivedDateTime,lastModifiedDateTime'
                        "&$expand=singleValueExtendedProperties($filter=id eq '%s')"
                        % (quote(folder, safe=''), PAGE_SIZE, SIZE_PROPERTY))
        url = url.replace(' ', '%20').replace("'", '%27')
        found = []
        while url and len(found) < limit:
            page = self._json('GET', url)
            found.extend(m for m in page.get('value') or [] if isinstance(m, dict) and m.get('id'))
            url = page.get('@odata.nextLink')
        return found[:limit]

    def uid_search_all(self):
        uids = []
        for message in self.list_folder('inbox'):
            uid = self._uid_for(to_text(message['id']))
            self._listed[uid] = message
            uids.append(uid)
        return uids

    @staticmethod
    def _size(message):
        for prop in message.get('singleValueExtendedProperties') or []:
            if to_text(prop.get('id') or '').lower().replace('0x0e08', '0xe08') == \
                    SIZE_PROPERTY.lower().replace('0x0e08', '0xe08'):
                try:
                    return int(prop.get('value'))
                except (TypeError, ValueError):
                    return None
        return None

    def fetch_meta(self, uids, header_bytes=65536):
        metas = {}
        for uid in uids:
            message = self._listed.get(uid)
            if message is None:
                continue

            def load(uid=uid):
                return self._headers(uid, header_bytes)
            metas[uid] = _LazyMeta(uid, self._size(message),
                                   internaldate(message.get('receivedDateTime')), load)
        return metas

    def _headers(self, uid, limit):
        try:
            data = self._json('GET', '/messages/%s?$select=internetMessageHeaders'
                              % quote(self._ids[uid], safe=''))
        except GraphError:
            return b''
        lines = []
        for header in data.get('internetMessageHeaders') or []:
            name = to_text(header.get('name') or '').replace('\r', '').replace('\n', '')
            value = to_text(header.get('value') or '').replace('\r', ' ').replace('\n', ' ')
            if name:
                lines.append('%s: %s\r\n' % (name, value))
        return to_bytes(''.join(lines) + '\r\n')[:limit]

    # The part drain.py uses: listing is bounded (MAX_MESSAGES), so windows
    # are slices of it; a message's MIME comes one request at a time anyway.
    def uid_windows(self, size=1000):
        for window in chunks(self.uid_search_all(), max(1, int(size))):
            yield window

    def fetch_info(self, uids, modseq=False):
        return self.fetch_meta(uids)

    def fetch_contents(self, metas, max_size, header_bytes=65536):
        """``body`` for mail within ``max_size``; larger mail keeps its lazy
        ``header`` (only the headers are requested, when judged)."""
        small = [m.uid for m in metas if m.size is not None and m.size <= max_size]
        bodies = self.fetch_bodies(small) if small else {}
        for meta in metas:
            meta.body = bodies.get(meta.uid)
        return metas

    def fetch_bodies(self, uids):
        """{uid: MIME bytes}; a message gone meanwhile is left out."""
        bodies = {}
        for uid in uids:
            graph_id = self._ids.get(uid)
            if graph_id is None:
                continue
            try:
                answer = self._request('GET', self._url('/messages/%s/$value'
                                                        % quote(graph_id, safe='')),
                                       max_bytes=self.max_bytes)
            except GraphError as error:
                if error.status == 404:
                    continue
                raise
            bodies[uid] = answer.body
        return bodies

    def delete(self, uids):
        for uid in uids:
            try:
                self._request('DELETE', self._url('/messages/%s' % quote(self._ids[uid], safe='')),
                              ok=(204, 200))
            except GraphError as error:
                if error.status != 404:     # already gone: nothing to remove
                    raise

    def expunge(self, uids=None):
        pass

    def folder_id(self, name, create=False):
        if name in self._folders:
            return self._folders[name]
        url = self._url("/mailFolders?$filter=displayName eq '%s'&$select=id,displayName"
                        % to_text(name).replace("'", "''"))
        url = url.replace(' ', '%20')
        for folder in self._json('GET', url).get('value') or []:
            if to_text(folder.get('displayName')) == to_text(name):
                self._folders[name] = to_text(folder['id'])
                return self._folders[name]
        if not create:
            return None
        try:
            made = self._json('POST', '/mailFolders', {'displayName': to_text(name)}, ok=(201,))
        except GraphError as error:
            if error.code != 'ErrorFolderExists':
                raise
            return self.folder_id(name)   # another fetcher made it meanwhile
        self._folders[name] = to_text(made['id'])
        return self._folders[name]

    def folder_exists(self, name):
        return self.folder_id(name) is not None

    def ensure_folder(self, name):
        existed = self.folder_id(name) is not None
        self.folder_id(name, create=True)
        return not existed

    def _move_one(self, uid, destination):
        """Moves one message; False when it is gone (another fetcher moved it)."""
        try:
            moved = self._json('POST', '/messages/%s/move' % quote(self._ids[uid], safe=''),
                               {'destinationId': destination}, ok=(201, 200))
        except GraphError as error:
            if error.status == 404:
                return False
            raise
        if moved.get('id'):
            self._rebind(uid, to_text(moved['id']))
        return True

    def move(self, uids, folder):
        destination = self.folder_id(folder, create=True)
        for uid in uids:
            self._move_one(uid, destination)

    def send_mime(self, data):
        """Send one message as it is (``POST /users/{id}/sendMail`` with the
        MIME in base64, ``text/plain``; needs ``Mail.Send``): 202 Accepted."""
        self._request('POST', self._url('/sendMail'), ok=(202,),
                      raw=('text/plain', base64.b64encode(to_bytes(data))))

    def make_claims(self, timeout=None):
        return GraphClaims(self, timeout)


class GraphClaims(object):
    """Claims by moving into ``CLAIM_FOLDER`` (see the module text); the
    interface of ``claims.Claims``: prepare, claim, release."""

    def __init__(self, mailbox, timeout=None, clock=None):
        from .claims import DEFAULT_TIMEOUT
        self.mailbox = mailbox
        self.timeout = float(timeout if timeout is not None else DEFAULT_TIMEOUT)
        self.clock = clock or time.time
        self.folder = None
        self.log = logs.get_logger()

    def prepare(self):
        """The claim folder exists, and what a dead fetcher left there is
        back in the inbox before the inbox is listed."""
        self.folder = self.mailbox.folder_id(CLAIM_FOLDER, create=True)
        self._recover_stale()
        return True

    def _recover_stale(self):
        """Mail a dead fetcher left in the claim folder goes back to the inbox."""
        cutoff = self.clock() - self.timeout
        back = 0
        for message in self.mailbox.list_folder(self.folder):
            when = _epoch(message.get('lastModifiedDateTime'))
            if when is not None and when < cutoff:
                uid = self.mailbox._uid_for(to_text(message['id']))
                if self.mailbox._move_one(uid, 'inbox'):
                    back += 1
        if back:
            self.log.info('Remote completion: took back %d stale claim(s) of a fetcher that '
                          'stopped', back)

    def claim(self, uids, seen=None, confirm=True):
        from .claims import ClaimOutcome
        won, taken = [], []
        for uid in uids:
            (won if self.mailbox._move_one(uid, self.folder) else taken).append(uid)
        return ClaimOutcome(won=won, taken=taken)

    def release(self, uids):
        for uid in uids:
            self.mailbox._move_one(uid, 'inbox')

    def contested(self, flags):
        return False   # a move has one winner: nothing to settle afterwards


def _epoch(iso):
    try:
        when = datetime.datetime.strptime(to_text(iso or '')[:19], '%Y-%m-%dT%H:%M:%S')
    except ValueError:
        return None
    return (when - datetime.datetime(1970, 1, 1)).total_seconds()


def check_connection(config, timeout=30.0):
    """The Test button for the Graph source: token, then the inbox."""
    step = 'get an OAuth 2.0 token'
    where = oauth.describe_url(config.graph_url or DEFAULT_BASE)
    try:
        mailbox = GraphMailbox.for_config(config, timeout)
        mailbox.login()
        step = 'read the inbox of %s' % logs.clean(config.graph_mailbox, 100)
        count = mailbox.select('INBOX')
        return True, 'Connected to Microsoft Graph (%s) with OAuth 2.0; the inbox of %s holds ' \
                     '%d message(s).' % (where, logs.clean(config.graph_mailbox, 100), count)
    except Exception as error:
        return False, 'Microsoft Graph connection test (%s) failed at step "%s": %s' % (
            where, step, logs.clean(logs.mask_secrets('%s: %s' % (
                type(error).__name__, to_text(error))), 300))


def send_messages(config, outgoing, timeout=30.0):
    """Send each (address, MIME bytes) of ``outgoing`` through Graph as the
    configured mailbox, for tenants without SMTP AUTH; one ``smtp.Delivery``
    per item, in order (the shape of ``smtp.send_messages``).  The MIME's own
    To header decides who gets it."""
    from .smtp import Delivery
    mailbox = GraphMailbox.for_config(config, timeout)
    deliveries = []
    for address, data in outgoing:
        try:
            mailbox.send_mime(data)
            deliveries.append(Delivery(address))
        except GraphError as error:
            deliveries.append(Delivery(address, 'Graph refused the message: %s' % error))
        except oauth.OAuthError as error:
            # No token: nothing after this can be sent either.
            reason = 'no OAuth 2.0 token for Graph: %s' % error
            deliveries.extend(Delivery(a, reason) for a, _ in outgoing[len(deliveries):])
            break
    return deliveries
