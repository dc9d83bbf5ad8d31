"""The link to a task in XL Release's web UI, for mails sent to people.

XL Release documents no URL scheme for its UI, so this follows the links its
own UI uses: a release page ``#/releases/<release>`` where the release id
drops ``Applications/`` and joins folder levels with ``-``, and a task opened
in its details panel with ``?openTaskDetailsModal=<task id written the same
way>``.  If a version of XL Release reads them differently, the link still
opens the server (and at worst the release list): the server URL is the one
part a person can always rely on.  Pure.
"""
from __future__ import absolute_import, unicode_literals

import re

from .compat import to_text

_ROOT = 'Applications/'
_ID_PART = re.compile(r'^[A-Za-z]+[0-9A-Za-z_]*$')


def _ui_id(ci_id):
    text = to_text(ci_id or '').strip()
    if not text.startswith(_ROOT):
        raise ValueError('not an XL Release id')
    parts = text[len(_ROOT):].split('/')
    if not parts or not all(_ID_PART.match(p) for p in parts):
        raise ValueError('not an XL Release id')
    return '-'.join(parts)


def release_id_of(task_id):
    parts = to_text(task_id or '').split('/')
    for i, part in enumerate(parts):
        if part.startswith('Release'):
            return '/'.join(parts[:i + 1])
    raise ValueError('no release in the id')


def task_url(server_url, task_id):
    """The task's page under ``server_url`` (e.g. ``https://xlr.example.com``),
    or None when either is missing or unusable."""
    base = to_text(server_url or '').strip().rstrip('/')
    if not re.match(r'^https?://[^\s/?#]+(/[^\s?#]*)?$', base):
        return None
    try:
        release = _ui_id(release_id_of(task_id))
        task = _ui_id(task_id)
    except ValueError:
        return None
    return '%s/#/releases/%s?openTaskDetailsModal=%s' % (base, release, task)


def task_id_from_ui(ui_task):
    """The inverse of the task part of ``task_url`` (used by the sandbox's page)."""
    parts = to_text(ui_task or '').split('-')
    if not parts or not all(_ID_PART.match(p) for p in parts):
        raise ValueError('not a task reference')
    return _ROOT + '/'.join(parts)
