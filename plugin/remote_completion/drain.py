"""The mailbox side of a fetch cycle: list, claim, fetch and remove mail.

INBOX is read in groups, so that a drain costs O(N / batch) IMAP commands and
O(batch) memory whatever the backlog, and one mail that breaks its handler
never stops the others.

The shape of ``drain``:

- The mailbox is read one group at a time (``ImapClient.uid_windows``): a
  group is what is left to list, at least a window (``batch-size`` x
  ``BATCHES_PER_WINDOW``, at most ``MAX_WINDOW``), at most ``MAX_GROUP``
  messages and, from the second group on, what the pace seen so far handles
  in ``GROUP_SHARE`` of the claim timeout (claims stay far from it; past
  half of it a group's rest is released for the next cycle).  A source
  whose claims and removals cost per message (Graph) keeps groups of a
  window.
- Per group: the listing, a ``LIST_WINDOW`` of positions per answer (never
  one line for the whole mailbox, so a mailbox of millions meets no line
  limit); one claim (a FETCH of MODSEQ and flags, one conditional STORE);
  per window of it one UID FETCH of sizes, dates and flags; per batch of
  ``batch-size`` (fewer when their texts pass ``BATCH_BYTES``) one UID
  FETCH of the texts (the first ``HEADER_BYTES`` of the header for a
  message over ``max-message-size``: its body is never downloaded), the
  claim check folded in (FLAGS), then the handler for each message.  At the
  end of the group the handled mail goes together: one STORE \\Deleted and
  one UID EXPUNGE (UIDPLUS), one MOVE to the quarantine folder; the claims
  of mail kept for later are released.
- Memory: one window's sizes and flags, one batch's texts (``BATCH_BYTES``),
  the group's UID numbers.
- A handler that raises anything, on Jython also a ``java.lang.Error`` such
  as OutOfMemoryError (no Python Exception there), costs that one mail: its
  verdict is logged (unreadable) and the other mails are handled.  After a
  ``MAIL_FAULTS`` error (out of memory, stack exhausted) it is removed or
  quarantined at once; after anything else (perhaps the server's trouble,
  not the mail's) it is kept while ``may_retry(meta)`` holds (fetch: for
  the retry window of a day), then removed or quarantined: never retried
  forever, and a genuine reply is not lost to one bad moment.

Why groups of what is left: each flag change (a claim, \\Deleted) or
EXPUNGE makes Dovecot rescan the whole Maildir and rewrite its index and
UID list, work that grows with the mailbox, not with the command.  One per
batch of 50 made a drain of N mails cost about N^2 / 50; one per window of
1,000 still N^2 / 1,000 (Dovecot's CPU 25-30x for 20 times the mail); a few
per drain leave only the work per message, which is linear.
A crash inside a group leaves its handled mail for the next cycle, which
judges it again: harmless, as for per-batch removal.
"""
from __future__ import absolute_import, unicode_literals

import time

from . import claims as claims_mod
from . import decide, logs
from .compat import ANY_ERROR, JYTHON, chunks

_time = time.time

# Failures that a mail's content causes and that must not be tried again:
# retrying a mail that exhausted the memory could take the host down.
if JYTHON:  # pragma: no cover - the Jython lane
    from java.lang import Error as _JavaError
    MAIL_FAULTS = (MemoryError, _JavaError)
else:
    MAIL_FAULTS = (MemoryError, RecursionError)

HEADER_BYTES = 64 * 1024            # of a message over max-message-size, judged by its header
BATCH_BYTES = 1024 * 1024           # mail text fetched at once, whatever batch-size says
BATCHES_PER_WINDOW = 20
MAX_WINDOW = 1000                   # sizes and dates held at once (a window)
MAX_GROUP = 10000                   # UIDs claimed and removed together, at most
GROUP_SHARE = 0.25                  # of the claim timeout: a group's handling, at most

KEEP = 'keep'
REMOVE = 'remove'


def window_size(batch_size):
    batch_size = max(1, int(batch_size))
    return max(batch_size, min(MAX_WINDOW, batch_size * BATCHES_PER_WINDOW))


def batches(metas, batch_size, max_size, budget=BATCH_BYTES):
    """``metas`` in order, cut into batches of at most ``batch_size``
    messages and ``budget`` bytes to download (a message over ``max_size``
    counts as its header, an unknown size as ``max_size``); a message is
    never split, so one larger than the budget is a batch of its own.
    Memory follows the bytes: 50 replies with 60 kB of relay headers each
    would be 3 MB of mail, and every parse holds copies of it."""
    batch, used = [], 0
    for meta in metas:
        size = meta.size if meta.size is not None else max_size
        cost = HEADER_BYTES if size > max_size else size
        if batch and (len(batch) >= batch_size or used + cost > budget):
            yield batch
            batch, used = [], 0
        batch.append(meta)
        used += cost
    if batch:
        yield batch


# --- claims ----------------------------------------------------------------------

def open_claims(client, log, timeout=None, select=None):
    """Claims (two fetchers on one mailbox never handle one message at once),
    or None when the server cannot do them: one fetcher needs none, and a
    doubled action is impossible anyway (a task leaves IN_PROGRESS once).
    Call after login, before SELECT (CONDSTORE must be enabled first), or
    with ``select``, the mailbox to select then (for IMAP in the same round
    trip as the ENABLE); a failed SELECT raises."""
    make = getattr(client, 'make_claims', None)   # a source with claims of its own (Graph)
    pipelined = select is not None and make is None   # IMAP: ENABLE and SELECT in one write
    try:
        claimer = make(timeout) if make else claims_mod.Claims(client, timeout=timeout)
        if not pipelined:
            claimer = claimer if claimer.prepare() else None
    except Exception as error:
        log.debug('Remote completion: messages are not claimed: %s', logs.describe_error(error))
        claimer = None
    if pipelined and claimer is not None:
        return claimer if claimer.prepare(select=select) else None   # selects in any case
    if select is not None:
        client.select(select)
    return claimer


def _claim(claimer, uids, infos, log):
    """The UIDs of ``uids`` this fetcher won; ``infos``: their MODSEQs and
    flags as just fetched (a small group), else the claim reads them."""
    if claimer is None:
        return list(uids)
    seen = None
    if infos is not None:
        seen = dict((u, (infos[u].modseq, infos[u].flags or [])) for u in uids
                    if u in infos and infos[u].modseq is not None)
    try:
        outcome = claimer.claim(uids, seen=seen, confirm=False)
    except Exception as error:  # a doubled handling is harmless; a skipped one is not
        log.debug('Remote completion: claiming failed, handling the group unclaimed: %s',
                  logs.describe_error(error))
        return list(uids)
    if outcome.taken:
        log.debug('Remote completion: %d message(s) are being handled by another fetcher',
                  len(outcome.taken))
    return outcome.won   # in UID order, as listed


def _release(claimer, uids, log):
    if claimer is None or not uids:
        return
    try:
        claimer.release(uids)
    except ANY_ERROR as error:  # the claim then expires on its own
        log.debug('Remote completion: releasing claims failed: %s', logs.describe_error(error))


# --- the drain -------------------------------------------------------------------

class _Drain(object):

    def __init__(self, client, judge, summary, log, batch_size, max_size, quarantine, claimer,
                 may_retry, window):
        self.client = client
        self.judge = judge
        self.summary = summary
        self.log = log
        self.batch_size = max(1, int(batch_size))
        self.max_size = int(max_size)
        self.quarantine = quarantine
        self.claimer = claimer
        self.may_retry = may_retry
        self.folder_ready = False
        self.window_size = window or window_size(batch_size)
        self.handled = 0        # messages handled, and the seconds it took (group sizes)
        self.seconds = 0.0
        self.gone = 0           # of the group's claimed messages, removed meanwhile

    def group_size(self, left):
        """Messages in the next group: all that is ``left`` to list (None:
        unknown), at least a window, at most ``MAX_GROUP`` and what the rate
        seen so far handles in ``GROUP_SHARE`` of the claim timeout."""
        size = self.window_size if left is None else min(max(left, self.window_size), MAX_GROUP)
        if self.handled:
            timeout = self.claimer.timeout if self.claimer is not None \
                else claims_mod.DEFAULT_TIMEOUT
            pace = int(GROUP_SHARE * timeout * self.handled / max(self.seconds, 1e-3))
            size = min(size, max(self.window_size, pace))
        return size

    def texts(self, won, infos=None):
        """Batches of ``won``, their sizes and dates fetched a window at a
        time (``infos``: already fetched, a group of one window)."""
        for part in chunks(won, MAX_WINDOW):
            known = infos if infos is not None else self.client.fetch_info(part)
            metas = [known[u] for u in part if u in known]
            self.gone += len(part) - len(metas)     # removed meanwhile: nothing to do
            for batch in batches(metas, self.batch_size, self.max_size):
                yield batch

    def window(self, uids):
        """One group: claimed, handled batch by batch, removed together."""
        started = _time()
        infos = None
        if len(uids) <= MAX_WINDOW:   # sizes, dates and the claim's MODSEQs in one FETCH
            infos = self.client.fetch_info(uids, modseq=self.claimer is not None)
        claimed_at = self.claimer.clock() if self.claimer is not None else None
        won = _claim(self.claimer, uids, infos, self.log)
        remove, move = [], []
        self.gone = start = 0
        try:
            for batch in self.texts(won, infos):
                if claimed_at is not None and \
                        self.claimer.clock() - claimed_at > self.claimer.timeout / 2:
                    # Handling is so slow that the claims could soon look
                    # stale to another fetcher: the rest waits for a cycle
                    # that claims it afresh.
                    left = len(won) - start - self.gone
                    self.summary.kept += left
                    self.log.info('Remote completion: %d message(s) left for the next cycle: '
                                  'handling took more than half the claim timeout', left)
                    break
                self.batch(batch, remove, move)
                start += len(batch)
        except ANY_ERROR:
            # Give back what this fetcher claimed but did not finish, so the
            # next cycle (here or on another node) need not wait for expiry.
            try:
                self.finish(won, remove, move)
            except ANY_ERROR as error:
                self.log.debug('Remote completion: removing handled mail failed: %s',
                               logs.describe_error(error))
            raise
        self.finish(won, remove, move)
        self.handled += start
        self.seconds += _time() - started

    def batch(self, metas, remove, move):
        self.client.fetch_contents(metas, self.max_size, HEADER_BYTES)
        for meta in metas:
            if self.claimer is not None and self.claimer.contested(meta.flags):
                continue   # another fetcher claimed it too: both yield, the next cycle decides
            verdict = self.judge_one(meta)
            meta.body = meta.header = None   # memory: one batch at a time
            disposition = KEEP if verdict.reason in decide.KEPT else REMOVE
            self.summary.add(verdict, disposition)
            if disposition == KEEP:
                continue
            if self.quarantine and not verdict.act:
                move.append(meta.uid)
            else:
                remove.append(meta.uid)

    def judge_one(self, meta):
        if meta.body is None and meta.size is not None and meta.size <= self.max_size:
            verdict = decide.Verdict.ignore(decide.SERVER_ERROR, 'the body could not be fetched')
            self.log.info('Remote completion: mail %s: kept for the next cycle (%s): %s',
                          meta.uid, verdict.reason, verdict.text)
            return verdict
        try:
            return self.judge(meta)
        except ANY_ERROR as error:
            return self.failed(meta, error)

    def failed(self, meta, error):
        """One logged verdict for a mail whose handler raised ``error``."""
        what = 'handling it failed: %s' % logs.clean(type(error).__name__, 80)
        if not isinstance(error, MAIL_FAULTS) and self.may_retry(meta):
            verdict = decide.Verdict.ignore(decide.SERVER_ERROR, what)
            outcome = 'kept for the next cycle'
        else:
            verdict = decide.Verdict.ignore(decide.UNREADABLE, what)
            outcome = 'ignored and %s' % ('moved to the quarantine folder' if self.quarantine
                                         else 'removed')
        self.log.error('Remote completion: mail %s: %s (%s): %s. Detail: %s', meta.uid, outcome,
                       verdict.reason, verdict.text, logs.describe_error(error))
        return verdict

    def finish(self, won, remove, move):
        """Remove and move in groups (deletions first: a quarantine folder
        that cannot be used must not keep acted-on mail in the INBOX), then
        release the claims of everything else."""
        done = set()
        try:
            if remove:
                self.client.delete(remove)
                self.summary.removed += len(remove)
                done.update(remove)
            if move:
                if not self.folder_ready:
                    if self.client.ensure_folder(self.quarantine):
                        self.log.info('Remote completion: created the quarantine folder %s',
                                      logs.clean(self.quarantine, 100))
                    self.folder_ready = True
                self.client.move(move, self.quarantine)
                self.summary.quarantined += len(move)
                done.update(move)
        finally:
            _release(self.claimer, [u for u in won if u not in done], self.log)
        del remove[:]
        del move[:]


def drain(client, judge, summary, log, batch_size=50, max_size=10 ** 6, quarantine=None,
          claimer=None, window=None, may_retry=lambda meta: False):
    """Handle every message of the selected mailbox once.

    ``judge(meta)`` (an ``imap.FetchedMeta``: ``uid``, ``size``,
    ``internaldate``, and ``body`` with the whole message, or ``body`` None
    and ``header`` for a message over ``max_size``) decides, acts, logs and
    returns the ``decide.Verdict``; SERVER_ERROR keeps the mail for the next
    cycle.  ``summary`` gets ``add(verdict, disposition)`` per message and
    its ``removed`` / ``quarantined`` counts.  ``may_retry(meta)``: whether
    a mail whose handler raised (not a ``MAIL_FAULTS`` error) is kept for
    another try.  IMAP failures raise."""
    work = _Drain(client, judge, summary, log, batch_size, max_size, quarantine, claimer,
                  may_retry, window)
    grows = window is None and getattr(client, 'WHOLE_GROUPS', False)
    for uids in client.uid_windows(work.group_size if grows else work.window_size):
        work.window(uids)
