"""Verifying sheets in worker processes.

Verification is CPU-bound (pyHanko, ~25 ms per sheet), so it runs in worker processes
(``spawn``: forking a process that runs Qt or other threads can deadlock, and Windows
has nothing else). Verdicts come back as plain data that pickles; a sheet that crashes
its worker is refused, never the whole import.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable
from typing import Any

from reviewer.base import crash_log
from reviewer.base.i18n import set_language
from reviewer.secretariat.refusals import refusal_message
from reviewer.secretariat.verdict_cache import VerdictCache
from reviewer.sheet.verify import VerifiedSheet, load_trust_anchor, verify_sheet

_worker_anchor: Any = None
_worker_session: str | None = None


def init_worker(ca_der: bytes, session_id: str, lang: str) -> None:
    global _worker_anchor, _worker_session
    if multiprocessing.parent_process() is not None:
        # In a worker: pyHanko logs each untrusted signature with a traceback, which
        # logging's last-resort handler would print on the terminal; it goes to the log
        # file instead, as in the main process.
        crash_log.install()
        # Halves the verification time; only here, where the process is ours alone.
        from reviewer.secretariat.fastpdf import install

        install()
    load_trust_anchor(ca_der)  # fails here, once, if it is not a CA
    _worker_anchor = ca_der
    _worker_session = session_id
    # A spawned process starts in the default language; reasons must be in the caller's.
    set_language(lang)


def verify_bytes(pdf: bytes) -> dict[str, Any]:
    """verify_sheet, as plain data that pickles (SheetData holds mapping proxies)."""
    try:
        result = verify_sheet(pdf, _worker_anchor, session_id=_worker_session)
    except Exception:  # noqa: BLE001 (hostile input must not stop the whole import)
        return {"codes": ["verify_error"], "reasons": [refusal_message("verify_error")]}
    return {
        "codes": list(result.codes),
        "reasons": list(result.reasons),
        "signer_name": result.signer_name,
        "signer_cert_sha256": result.signer_cert_sha256,
        "signing_time": result.signing_time.isoformat() if result.signing_time else None,
        "notes": list(result.notes) if isinstance(result, VerifiedSheet) else [],
        "signed_sha256": result.signed_sha256 if isinstance(result, VerifiedSheet) else None,
        "data": base64.b64encode(result.data.to_json_bytes()).decode("ascii")
        if result.data is not None
        else None,
    }


def verify_parallel(
    pending: list[int],
    load: Callable[[int], bytes | None],
    workers: int,
    init_args: tuple[bytes, str, str],
    finished: Callable[[int, dict[str, Any]], None],
    check_cancelled: Callable[[], None],
    cache: VerdictCache,
) -> None:
    """Verify the ``pending`` sheets in ``workers`` processes, calling ``finished`` with
    each verdict as it comes. ``check_cancelled`` raises to stop (the import's own
    exception); on any exception the pool is shut down and what was verified by then is
    saved in the cache before the exception goes on."""
    context = multiprocessing.get_context("spawn")
    # A bounded window of sheets in flight keeps memory flat for any folder size.
    window = workers * 4
    queue = list(reversed(pending))
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker, initargs=init_args
    ) as pool:
        in_flight: dict[cf.Future, int] = {}
        try:
            while queue or in_flight:
                while queue and len(in_flight) < window:
                    index = queue.pop()
                    data = load(index)
                    if data is not None:
                        in_flight[pool.submit(verify_bytes, data)] = index
                if not in_flight:
                    continue
                ready, _rest = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in ready:
                    index = in_flight.pop(future)
                    try:
                        verdict = future.result()
                    except Exception:  # noqa: BLE001 (a crashed worker: the sheet's fault or not, say so)
                        verdict = {
                            "codes": ["verify_error"],
                            "reasons": [refusal_message("verify_error")],
                        }
                    finished(index, verdict)
                check_cancelled()
        except BaseException:
            for future in in_flight:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            cache.save()
            raise


__all__ = ["init_worker", "verify_bytes", "verify_parallel"]
