"""Fixtures of the pipeline tests: the processes a test starts (always stopped afterwards, even
when the test fails) and a loopback site to capture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netlab import LabServer
from tests.pipeline.processes import Processes


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def archive_root(settings) -> Path:
    """The test's archive folder (see tests/conftest.py): the workers write WARCs there and the
    test reads them through the same storage."""
    return Path(settings.STORAGES["archives"]["OPTIONS"]["location"])


@pytest.fixture
def lab() -> Iterator[LabServer]:
    with LabServer() as server:
        yield server


@pytest.fixture
def procs(request, transactional_db, tmp_path, archive_root, lab) -> Iterator[Processes]:
    """Start processes through this; whatever happens, they are stopped when the test ends:
    before the loopback site stops (a worker would see its connection close and capture an
    empty page) and before pytest-django flushes the database they are connected to."""
    folder = tmp_path / "processes"
    folder.mkdir()
    processes = Processes(folder, archive_root)
    yield processes
    report = getattr(request.node, "report_call", None)
    processes.close(failed=report is None or report.failed)
