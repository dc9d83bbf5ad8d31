"""drain: the window of UIDs listed, claimed and removed together.  The drain
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
