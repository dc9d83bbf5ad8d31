# -*- coding: utf-8 -*-
"""What several Jython check modules share: a log handler that keeps the
lines, the JSON result file a pytest module reads back, and the CA the
pytest side's servers use (not a check module itself: no check_ prefix)."""
from __future__ import absolute_import, unicode_literals

import io
import json
import logging
import os


class LogLines(logging.Handler):
    """Keeps (level name, message) of every record at ``level`` or above."""

    def __init__(self, level=logging.DEBUG):
        logging.Handler.__init__(self, level)
        self.lines = []

    def emit(self, record):
        self.lines.append((record.levelname, record.getMessage()))


def write_json(context, name, value):
    """``<out_dir>/<name>.json``, plain ASCII on both Python 2 and 3."""
    path = os.path.join(context['out_dir'], name + '.json')
    with io.open(path, 'wb') as out:
        out.write(json.dumps(value, sort_keys=True, ensure_ascii=True).encode('ascii'))


def ca_text(context):
    """The PEM text of ``context['ca_pem']``, the CA of the pytest side's servers."""
    with io.open(context['ca_pem'], encoding='ascii') as handle:
        return handle.read()
