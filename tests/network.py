"""The test suite's network: a resolver that answers fixed addresses.

Settings point the fetcher at :func:`resolve` for every test, so no test ever asks the machine's
DNS (a query for a hostile name would leave the machine). A name with no fixed answer does not
exist. Tests add answers with the ``dns`` fixture.
"""

from __future__ import annotations

import socket

ANSWERS: dict[str, list[str]] = {}
DEFAULT_ANSWERS = {"localhost": ["127.0.0.1"]}


def resolve(host: str, port: int) -> list[str]:
    host = host.lower().rstrip(".")
    answer = ANSWERS.get(host) or DEFAULT_ANSWERS.get(host)
    if not answer:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return list(answer)
