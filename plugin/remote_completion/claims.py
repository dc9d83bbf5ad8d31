"""Message claims: two fetchers on one mailbox never handle one reply at once.

Two fetchers on one mailbox: two cluster nodes, for example.

Why keywords and not MOVE: Dovecot's MOVE (on Maildir) is a copy followed by
an expunge; two sessions moving the same message at once both succeed and
the message ends up twice in the target folder (seen in tests).  A
conditional STORE (RFC 7162 CONDSTORE, ``UNCHANGEDSINCE``) is checked under
the mailbox's lock: of two sessions that read the same MODSEQ and then both
try to change the message, exactly one succeeds, the other gets the message
back in ``[MODIFIED ...]``.  Two rules make that hold:

- each claimer adds a keyword of its own (``$XlrClaimBy<token>``): a STORE
  that would not change anything (the same keyword again) is not a conflict;
- CONDSTORE must be enabled before the mailbox is selected (``prepare``):
  otherwise Dovecot starts tracking MODSEQs lazily and the very first claim
  can succeed twice (seen in tests).

A claim also carries a coarse time, ``$XlrClaimT<bucket>`` (buckets of
``timeout`` seconds, numbered modulo 8, so a mailbox sees few keywords).  A
claim at least two buckets old (older than ``timeout``) belongs to a fetcher
that died: it is taken back with a conditional STORE (so two recoverers do
not both win) and the message is claimed again.  Acting twice is still
impossible: the first fetcher may have acted before it died, and then the
task is no longer IN_PROGRESS.

Servers without CONDSTORE (Exchange Online, for one) get no claims: every
message is "won", which is right for one fetcher; on a cluster the host's
own rule (a task that is not IN_PROGRESS cannot be completed or failed)
still prevents a doubled action.

Use (after login, before select; or selecting with ``prepare``)::

    claims = Claims(client, timeout=600)
    claims.prepare('INBOX')         # ENABLE CONDSTORE when offered, and SELECT
    outcome = claims.claim(uids)    # outcome.won: the UIDs this fetcher owns
    ...                             # act, record, then delete/move each won UID
    claims.release(kept_uids)       # mail kept for a later cycle: unclaim it
"""
from __future__ import absolute_import, division, unicode_literals

import hashlib
import os
import re
import socket
import threading
import time

from . import logs
from .imap import uid_sets
from .compat import chunks, to_text

NODE_PREFIX = '$XlrClaimBy'
TIME_PREFIX = '$XlrClaimT'
BUCKETS = 8
DEFAULT_TIMEOUT = 600.0
READ_CHUNK = 1000               # UIDs whose MODSEQ and flags one FETCH reads

_MODSEQ = re.compile(r'MODSEQ\s+\((\d+)\)', re.I)
_FLAGS = re.compile(r'FLAGS\s+\(([^)]*)\)', re.I)


_host = []


def _hostname():
    """The host's name, looked up once per process (on Jython a lookup
    through InetAddress, for every fetch cycle before)."""
    if not _host:
        try:
            _host.append(socket.gethostname())
        except Exception:
            _host.append('localhost')
    return _host[0]


def node_token(host=None, pid=None, thread=None):
    """8 hex digits naming this fetcher: host, process and thread.

    Stable for a process's lifetime so a mailbox sees a handful of keywords,
    different for two JVMs on one host and for two threads of one JVM."""
    if host is None:
        host = _hostname()
    if pid is None:
        pid = os.getpid()
    if thread is None:
        thread = threading.current_thread().name
    text = '%s|%s|%s' % (to_text(host), pid, to_text(thread))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]


def parse_uid_set(text):
    """``1:3,7`` as a set of ints (ranges bounded, junk ignored)."""
    uids = set()
    for part in to_text(text or '').replace(' ', '').split(','):
        if not part:
            continue
        if ':' in part:
            a, _, b = part.partition(':')
            if a.isdigit() and b.isdigit():
                lo, hi = sorted((int(a), int(b)))
                if hi - lo <= 100000:
                    uids.update(range(lo, hi + 1))
        elif part.isdigit():
            uids.add(int(part))
    return uids


def _bucket(now, timeout):
    return int(now // timeout) % BUCKETS


def claim_keywords(flags):
    """The claim keywords among a message's flags."""
    return [f for f in flags if f.lower().startswith('$xlrclaim')]


def is_stale(flags, now, timeout):
    """A claim with no readable time, or one at least two buckets old."""
    current = _bucket(now, timeout)
    ages = []
    for flag in claim_keywords(flags):
        if flag.lower().startswith(TIME_PREFIX.lower()):
            digits = flag[len(TIME_PREFIX):]
            if digits.isdigit():
                ages.append((current - int(digits)) % BUCKETS)
    if not ages:
        return True
    return min(ages) >= 2


class ClaimOutcome(object):
    def __init__(self, won=(), taken=(), recovered=(), supported=True):
        self.won = sorted(won)              # this fetcher owns them now
        self.taken = sorted(taken)          # claimed by another fetcher (fresh claim)
        self.recovered = sorted(recovered)  # stale claims taken back (and claimed again)
        self.supported = supported

    def __repr__(self):
        return 'ClaimOutcome(won=%d, taken=%d, recovered=%d, supported=%r)' % (
            len(self.won), len(self.taken), len(self.recovered), self.supported)


def _clock():
    """Wall-clock seconds (the claim time buckets are shared between nodes)."""
    return time.time()


class Claims(object):
    """``timeout`` None means ``DEFAULT_TIMEOUT``; ``clock`` None means the
    module's ``_clock`` (both read when used, so a test can move time)."""

    def __init__(self, client, timeout=None, node=None, clock=None):
        self.client = client            # an imap.ImapClient, logged in
        self._timeout = timeout
        if timeout is not None and float(timeout) <= 0:
            raise ValueError('claim timeout must be positive')
        self.node = node or node_token()
        self._clock = clock
        self.enabled = False
        self.log = logs.get_logger()

    @property
    def timeout(self):
        return float(self._timeout if self._timeout is not None else DEFAULT_TIMEOUT)

    def clock(self):
        return (self._clock or _clock)()

    @property
    def node_keyword(self):
        return NODE_PREFIX + self.node

    def prepare(self, select=None):
        """ENABLE CONDSTORE (before SELECT); returns whether claims are on.
        ``select``: the mailbox to select, in the same round trip as the
        ENABLE (``ImapClient.select``); selected in any case, and a failed
        SELECT raises."""
        self.enabled = False
        if not self.client.has('CONDSTORE'):
            self.log.debug('IMAP server has no CONDSTORE: messages are not claimed '
                           '(fine for one fetcher; a cluster relies on the task state)')
            if select is not None:
                self.client.select(select)
            return False
        conn = self.client.conn
        if conn.state == 'SELECTED':
            raise ValueError('Claims.prepare must run before the mailbox is selected')
        if select is not None:
            self.client.select(select, enable=('CONDSTORE',))
            self.enabled = 'CONDSTORE' in self.client.enabled
        else:
            typ, data = conn._simple_command('ENABLE', 'CONDSTORE')
            self.enabled = typ == 'OK'
        return self.enabled

    # --- protocol pieces ------------------------------------------------------
    def _entries(self, uids):
        """(uid, modseq, [flags]) of ``uids`` still there, read ``READ_CHUNK``
        UIDs per FETCH: a large group is never one answer in memory."""
        for part in chunks(sorted(uids), READ_CHUNK):
            for uid, head, _literals in self.client._fetch(part, '(UID MODSEQ FLAGS)'):
                modseq = _MODSEQ.search(head)
                flags = _FLAGS.search(head)
                if modseq is not None:
                    yield uid, int(modseq.group(1)), flags.group(1).split() if flags else []

    def _meta(self, uids):
        """{uid: (modseq, [flags])}."""
        return dict((uid, (modseq, flags)) for uid, modseq, flags in self._entries(uids))

    def _conditional(self, uids, modseq, op, keywords):
        """UID STORE with UNCHANGEDSINCE: the UIDs whose change went through."""
        if not uids:
            return set()
        conn = self.client.conn
        modified = set()
        for chunk in uid_sets(uids):
            conn.untagged_responses.pop('MODIFIED', None)
            self.client.uid_command('claim store', 'STORE', chunk,
                                    '(UNCHANGEDSINCE %d) %s' % (modseq, op),
                                    '(%s)' % ' '.join(keywords))
            for value in conn.untagged_responses.pop('MODIFIED', None) or []:
                modified |= parse_uid_set(to_text(value))
        return set(uids) - modified

    # --- the operations -------------------------------------------------------
    def claim(self, uids, seen=None, confirm=True):
        """Claim ``uids`` for this fetcher; stale claims are recovered first.

        ``seen``: {uid: (modseq, [flags])} the caller fetched just before
        (saves a round trip).  ``confirm=False``: the caller reads the flags
        again before it handles each message and yields where ``contested``
        says so (see ``_confirm``), again one round trip less per claim."""
        uids = sorted(set(int(u) for u in uids))
        if not self.enabled:
            return ClaimOutcome(won=uids, supported=False)
        if not uids:
            return ClaimOutcome()
        now = self.clock()
        if seen is not None:
            entries = ((u, seen[u][0], seen[u][1]) for u in uids if u in seen)
        else:
            entries = self._entries(uids)
        # Free mail is only counted (its UID and the highest MODSEQ): what a
        # claim holds per message is a number, whatever the group's size.
        free, taken, stale, highest = [], [], {}, 0
        for uid, modseq, flags in entries:   # a UID not there: expunged meanwhile
            kws = claim_keywords(flags)
            if not kws:
                free.append(uid)
                highest = max(highest, modseq)
            elif is_stale(flags, now, self.timeout):
                stale[uid] = (modseq, kws)
            else:
                taken.append(uid)
        recovered = set()
        if stale:
            kws = sorted(set(k for _m, ks in stale.values() for k in ks))
            recovered = self._conditional(sorted(stale), max(m for m, _k in stale.values()),
                                          '-FLAGS.SILENT', kws)
            for uid in sorted(set(stale) - recovered):
                taken.append(uid)
            if recovered:
                self.log.info('took back %d stale claim(s) of a fetcher that stopped',
                              len(recovered))
                # Their MODSEQ changed with the recovery: read it again.
                fresh = self._meta(sorted(recovered))
                for uid in sorted(recovered):
                    if uid not in fresh:
                        continue
                    if claim_keywords(fresh[uid][1]):
                        taken.append(uid)  # a third fetcher was quicker
                    else:
                        free.append(uid)
                        highest = max(highest, fresh[uid][0])
        won = set()
        if free:
            won = self._conditional(sorted(set(free)), highest, '+FLAGS.SILENT',
                                    [self.node_keyword,
                                     TIME_PREFIX + '%d' % _bucket(now, self.timeout)])
            if confirm:
                won = self._confirm(won)
            taken.extend(sorted(set(free) - won))
        return ClaimOutcome(won=won, taken=taken, recovered=recovered)

    def contested(self, flags):
        """True when ``flags`` (read after our claim) show another fetcher's
        claim beside ours: then we yield (``release``), see ``_confirm``."""
        mine = self.node_keyword.lower()
        return any(f.lower().startswith(NODE_PREFIX.lower()) and f.lower() != mine
                   for f in claim_keywords(flags or ()))

    def _confirm(self, won):
        """Keep only the UIDs that carry no other fetcher's claim after ours.

        The conditional STORE should make a second claim fail, but Dovecot lets
        two sessions both win while it starts tracking MODSEQs for a mailbox
        (seen under load).  Reading the flags after our STORE settles it: if
        we see no other claim, any later claimer will see ours and yield; if
        we see one, we yield (both may yield: the message waits for the next
        cycle, which loses nothing)."""
        if not won:
            return won
        seen = self._meta(sorted(won))
        kept, yielded = set(), []
        for uid in sorted(won):
            flags = seen.get(uid, (None, None))[1]
            if flags is None:
                continue  # expunged meanwhile: nothing to own
            if self.contested(flags):
                yielded.append(uid)
            else:
                kept.add(uid)
        if yielded:
            self.log.debug('claims: %d message(s) claimed by two fetchers at once; yielded',
                           len(yielded))
            self.release(yielded)
        return kept

    def release(self, uids):
        """Give up this fetcher's claim (the mail stays for a later cycle)."""
        uids = sorted(set(int(u) for u in uids))
        if not self.enabled or not uids:
            return
        keywords = [self.node_keyword] + [TIME_PREFIX + '%d' % b for b in range(BUCKETS)]
        for chunk in uid_sets(uids):
            self.client.uid_command('release claim', 'STORE', chunk,
                                    '-FLAGS.SILENT', '(%s)' % ' '.join(keywords))
