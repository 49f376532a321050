"""Clients of the public API with a desk-wide token, read or write."""
from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.api_v1.kit import new_token, v1


@pytest.fixture
async def reader(harness) -> AsyncIterator[aiohttp.ClientSession]:
    async with v1(harness, await new_token(harness, "read", name="reader")) as session:
        yield session


@pytest.fixture
async def writer(harness) -> AsyncIterator[aiohttp.ClientSession]:
    async with v1(harness, await new_token(harness, "write", name="writer")) as session:
        yield session
