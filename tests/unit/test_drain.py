"""drain: the window of UIDs listed, claimed and removed together, and the
batches its texts are fetched in.  The drain
itself (batches, claims, removal, failures) is tested against Dovecot in the
performance lane: tests/performance/test_drain.py."""
from __future__ import annotations

import pytest

from remote_completion import drain


@pytest.mark.parametrize("batch_size, window", [
    (0, drain.BATCHES_PER_WINDOW),        # a nonsense batch size is one message
    (1, drain.BATCHES_PER_WINDOW),
    (50, min(drain.MAX_WINDOW, 50 * drain.BATCHES_PER_WINDOW)),
    (10_000, 10_000),                      # never smaller than one batch
])
def test_window_size(batch_size, window):
    assert drain.window_size(batch_size) == window


def test_the_window_is_capped_for_ordinary_batches():
    assert drain.window_size(drain.MAX_WINDOW) == drain.MAX_WINDOW
    assert drain.window_size(200) == drain.MAX_WINDOW


class Meta:
    def __init__(self, uid, size):
        self.uid, self.size = uid, size


def cut(sizes, batch_size=50, max_size=1000, budget=3000):
    metas = [Meta(uid, size) for uid, size in enumerate(sizes, 1)]
    out = list(drain.batches(metas, batch_size, max_size, budget))
    assert [m for batch in out for m in batch] == metas    # all, once, in order
    return [[m.uid for m in batch] for batch in out]


def test_batches_stop_at_the_count():
    assert cut([10] * 5, batch_size=2) == [[1, 2], [3, 4], [5]]


def test_batches_stop_at_the_byte_budget():
    assert cut([1000, 1000, 1000, 1, 999]) == [[1, 2, 3], [4, 5]]
    assert cut([2999, 2, 1]) == [[1], [2, 3]]


def test_an_oversized_mail_costs_its_header_and_an_unknown_size_costs_max_size():
    # Over max_size only the header is fetched: HEADER_BYTES, not its size.
    assert cut([10 ** 9, 10], max_size=1000, budget=drain.HEADER_BYTES + 10) == [[1, 2]]
    assert cut([None, None, None, 1], max_size=1000, budget=3000) == [[1, 2, 3], [4]]


def test_a_mail_over_the_budget_is_a_batch_of_its_own():
    assert cut([5000, 5000, 10], max_size=10 ** 6) == [[1], [2], [3]]
    assert cut([]) == []


class Claimer:
    timeout = 600.0


def work(window=None, batch_size=50, claimer=None):
    return drain._Drain(None, None, None, None, batch_size, 10 ** 6, None, claimer,
                        lambda meta: False, window)


def test_a_group_is_all_that_is_left_within_its_bounds():
    """Each claim or removal costs the server work that grows with the
    mailbox: a group takes what is left, at least a window, at most MAX_GROUP."""
    w = work()
    assert w.group_size(20_000) == drain.MAX_GROUP
    assert w.group_size(7_000) == 7_000
    assert w.group_size(10) == drain.window_size(50)      # never below a window
    assert w.group_size(None) == drain.window_size(50)    # the server did not say


def test_a_group_holds_what_the_pace_seen_so_far_handles_in_a_share_of_the_claim_timeout():
    w = work(claimer=Claimer())
    w.handled, w.seconds = 1000, 100.0                     # 0.1 s a message
    budget = drain.GROUP_SHARE * Claimer.timeout           # 150 s: 1,500 messages
    assert w.group_size(20_000) == int(budget / 0.1)
    w.handled, w.seconds = 10, 100.0                       # 10 s a message
    assert w.group_size(20_000) == drain.window_size(50)  # still a window at least
    w = work()                                             # no claims: the default timeout
    w.handled, w.seconds = 1000, 50.0                      # 0.05 s a message
    assert w.group_size(20_000) == int(drain.GROUP_SHARE * drain.claims_mod.DEFAULT_TIMEOUT
                                       / 0.05)
