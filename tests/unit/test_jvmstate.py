"""jvmstate on CPython (the JVM store runs in the Jython checks of polling,
xlrpush and outcome): compare-and-set is the one way to take a value."""
from __future__ import annotations

import threading

from remote_completion.jvmstate import PythonStore


def test_compare_and_set_takes_only_from_the_expected_value():
    store = PythonStore()
    assert store.get("k") is None
    assert store.compare_and_set("k", None, "1")
    assert not store.compare_and_set("k", None, "2")      # someone was first
    assert not store.compare_and_set("k", "0", "2")
    assert store.compare_and_set("k", "1", "2") and store.get("k") == "2"
    store.put("k", "3")
    assert store.remove("k") == "3" and store.get("k") is None


def test_one_winner_among_racing_threads():
    store, wins = PythonStore(), []
    barrier = threading.Barrier(8)

    def race(n):
        barrier.wait()
        if store.compare_and_set("slot", None, str(n)):
            wins.append(n)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and store.get("slot") == str(wins[0])
