"""The few places where the benchmark depends on plugin API that is being
reshaped (run binding, hand-over): kept here so the rest of the harness
stays as it is while those land.  Python 2.7 and 3.

- ``sign``: a reply's signature, v1 (bound to the attempt, failuresCount) or
  v2 (bound to the run id, ``signature.VERSION == 'v2'``);
- ``request_marker``: the comment the start script leaves on its task
  (hand-over, run binding), when the plugin has one; None before that.
"""
from __future__ import absolute_import


def sign(secret, action, task, address):
    from remote_completion import signature
    if getattr(signature, "VERSION", "v1") == "v1":
        return signature.sign(secret, action, task.id, address, task.failuresCount)
    return signature.sign(secret, action, task.id, address, task.run_id)


def request_marker(secret, task):
    try:
        from remote_completion import handover
    except ImportError:
        return None
    for name in ("request_comment", "request_marker"):
        make = getattr(handover, name, None)
        if make is not None:
            return make(secret, task.id, task.run_id)
    return None
