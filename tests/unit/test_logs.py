"""remote_completion.logs: untrusted text is cleaned and bounded, secrets masked."""
from __future__ import annotations

import logging

from remote_completion import logs


def test_clean_folds_controls_and_line_breaks():
    assert logs.clean("alice\r\n2026-01-01 INFO forged\t\x00x") == "alice 2026-01-01 INFO forged x"


def test_clean_removes_bidi_and_unicode_line_separators():
    assert logs.clean("a\u2028b\u202ec\u2066d") == "a b c d"


def test_clean_bounds_length_with_ellipsis():
    out = logs.clean("x" * 500, limit=20)
    assert out == "x" * 17 + "..."
    assert logs.clean(None) == ""


def test_clean_keeps_non_ascii_text():
    assert logs.clean("Zoë 😀 São Paulo") == "Zoë 😀 São Paulo"


def test_registered_secret_never_reaches_a_log_line(caplog):
    logs.register_secret("pa55-word-unit")
    log = logs.get_logger()
    with caplog.at_level(logs.TRACE, logger=logs.LOGGER_NAME):
        log.info("login with %s failed", "pa55-word-unit")
        log.trace("raw: %s", "xx pa55-word-unit yy")
    text = caplog.text
    assert "pa55-word-unit" not in text
    assert text.count(logs.MASK) == 2


def test_short_values_are_not_registered_as_secrets():
    logs.register_secret("ab")  # too short: would mask ordinary text
    assert logs.mask_secrets("about ab") == "about ab"


def test_debug_and_trace_are_off_at_info(caplog):
    log = logs.get_logger()
    with caplog.at_level(logging.INFO, logger=logs.LOGGER_NAME):
        log.debug("hidden debug")
        log.trace("hidden trace")
        log.info("shown")
    assert "hidden" not in caplog.text and "shown" in caplog.text


def test_an_info_line_below_the_level_is_neither_formatted_nor_written(caplog):
    formatted = []

    class Arg:
        def __str__(self):
            formatted.append(1)
            return "arg"
    log = logs.get_logger()
    with caplog.at_level(logging.WARNING, logger=logs.LOGGER_NAME):
        log.info("quiet %s", Arg())
        log.warning("loud %s", Arg())
    assert "quiet" not in caplog.text and "loud arg" in caplog.text
    assert formatted == [1]   # the warning's argument only
    with caplog.at_level(logging.INFO, logger=logs.LOGGER_NAME):
        log.info("now %s", Arg())
    assert "now arg" in caplog.text and formatted == [1, 1]
