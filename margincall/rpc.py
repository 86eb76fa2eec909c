"""Make a framework's confirmation wait robust against Anvil's receipt lag.

Brownie 1.22 declares a transaction "dropped without known replacement" when the sender's
nonce has moved past it but ``eth_getTransactionReceipt`` still answers null. Anvil 1.7 can
briefly answer that way right after mining a heavy block (seen with batches of position-opening
transactions), so an honest, mined transaction fails. Brownie's waiting loop is compiled and
cannot be patched; its web3 provider can: a null receipt is asked for again a few times before
it is believed. (``margincall``'s own ``Chain`` waits by polling and needs none of this; the tests
and ``scripts/`` install it on Brownie's ``web3``.)
"""

from __future__ import annotations

import time
from typing import Any


def install_receipt_retry(web3: Any, attempts: int = 40, delay: float = 0.05) -> None:
    """Retry null ``eth_getTransactionReceipt`` answers on ``web3`` (idempotent)."""
    from web3.middleware import Web3Middleware

    class ReceiptRetry(Web3Middleware):
        def wrap_make_request(self, make_request):
            def middleware(method, params):
                response = make_request(method, params)
                tries = 0
                while method == "eth_getTransactionReceipt" and response.get("result") is None and tries < attempts:
                    time.sleep(delay)
                    response = make_request(method, params)
                    tries += 1
                return response

            return middleware

    if "margincall_receipt_retry" not in web3.middleware_onion:
        web3.middleware_onion.add(ReceiptRetry, name="margincall_receipt_retry")
