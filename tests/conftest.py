"""Shared fixtures: every test starts in PYNATIVE_MODE on the CPU and leaves the context so."""
import pytest

from mini_autograd import context


@pytest.fixture(autouse=True)
def _cpu_pynative():
    context.set_context(mode=context.PYNATIVE_MODE, device_target="CPU")
    yield
    context.set_context(mode=context.PYNATIVE_MODE, device_target="CPU")
