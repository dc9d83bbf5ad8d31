# -*- coding: utf-8 -*-
"""remote_completion.polling on Jython: the JVM-wide slot lives in the Java
system properties, so it survives a fresh interpreter per script run."""
from __future__ import absolute_import, unicode_literals

from java.lang import System

from remote_completion import polling


def _fresh_store():
    System.getProperties().remove(polling.LAST_CYCLE_KEY)
    return polling._JvmStore()


def check_the_jvm_start_time_is_the_startup_reference():
    store = _fresh_store()
    now = System.currentTimeMillis()
    assert 0 < store.started_millis <= now
    # startup-delay is counted from the JVM's start, not from the import.
    assert not polling.take_cycle_slot(30, 10 ** 6, now_millis=now, store=store)


def check_one_slot_per_sync_interval_in_system_properties():
    store = _fresh_store()
    t = store.started_millis + 60000
    assert polling.take_cycle_slot(30, 0, now_millis=t, store=store)
    assert System.getProperty(polling.LAST_CYCLE_KEY) == str(t)
    assert not polling.take_cycle_slot(30, 0, now_millis=t + 29999, store=store)
    # Another interpreter (a new store object) sees the same slot.
    assert not polling.take_cycle_slot(30, 0, now_millis=t + 1, store=polling._JvmStore())
    assert polling.take_cycle_slot(30, 0, now_millis=t + 30000, store=store)


def check_compare_and_set_refuses_a_stale_expectation():
    store = _fresh_store()
    assert store.compare_and_set(polling.LAST_CYCLE_KEY, None, '1')
    assert not store.compare_and_set(polling.LAST_CYCLE_KEY, None, '2')
    assert not store.compare_and_set(polling.LAST_CYCLE_KEY, '7', '2')
    assert store.compare_and_set(polling.LAST_CYCLE_KEY, '1', '2')
    assert store.get(polling.LAST_CYCLE_KEY) == '2'
