"""The z3 engine's Spacer attempt inside a ``check --jobs`` worker.

Pool workers are daemonic and may not fork children; the attempt used to fork one
anyway, and ``ipsecmc check --engine z3`` failed with an internal error whenever a
worker started a Spacer proof (found on the mixed FortiGate/strongSwan model). In a
daemonic process the attempt now runs in that process when waited for.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

import pytest

from ipsecmc.engines.smt.engine import _SpacerJob
from ipsecmc.engines.smt.proof import SpacerAnswer


class _Prover:
    def prove(self, budget_ms: int, tries: int, cpu: bool) -> SpacerAnswer:
        return SpacerAnswer(True, tries, 0.0)


def _in_daemon(send: Connection) -> None:
    try:
        job = _SpacerJob(_Prover, 1000, None, 3)  # type: ignore[arg-type]
        send.send(("answer", job.wait()))
    except BaseException as exc:  # the child must report, whatever happens
        send.send(("error", repr(exc)))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_spacer_attempt_in_a_daemonic_worker_runs_in_that_worker() -> None:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_in_daemon, args=(send,), daemon=True)
    worker.start()
    assert receive.poll(60), "the worker did not answer"
    kind, value = receive.recv()
    worker.join(10)
    assert kind == "answer", value
    assert value == SpacerAnswer(True, 3, 0.0)
