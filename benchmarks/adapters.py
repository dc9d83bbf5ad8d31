"""The few places where the benchmark depends on plugin API that is being
reshaped (run binding, hand-over): kept here so the rest of the harness
stays as it is while those land.  Python 2.7 and 3.

- ``sign``: a reply's signature, v1 (bound to the attempt, failuresCount) or
  v2 (bound to the run id, ``signature.VERSION == 'v2'``);
- ``request_marker``: the comment the start script leaves on its task
  (hand-over, run binding), when the plugin has one; None before that;
- ``api_args``: the APIs as a library entry point takes them: one
  ``host.Apis`` bundle (hand-over) or the six positional APIs (before).
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


def bundle(apis):
    """``host.Apis`` over the six APIs, or None where the plugin has none."""
    from remote_completion import host
    make = getattr(host, "Apis", None)
    return make(*apis) if make is not None else None


def _first_parameter(func):
    import inspect
    try:
        names = list(inspect.signature(func).parameters)
    except AttributeError:   # Python 2.7 (Jython)
        names = inspect.getargspec(func).args
    return names[0] if names else None


def api_args(apis, func):
    """Positional API arguments for ``func`` (run_fetch_cycle, push.run,
    push.run_job, ...): one host.Apis bundle when its first parameter is
    ``apis``, else the six APIs."""
    if _first_parameter(func) == "apis":
        return (bundle(apis),)
    return tuple(apis)
