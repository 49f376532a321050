"""The Store contract for sites as the dashboard changes them, on SQLite
and PostgreSQL: a rotation's previous secret and its end round-trip, a
change is audited with it, and a rotation names the secret it replaces."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from server.services import audit, errors
from server.services.model import IdentityMode, Site
from server.store import SqlStore
from tests.contract.factories import T0, new_id


def a_site(key: str, **fields) -> Site:
    return Site(**({"id": new_id(), "key": key, "secret": f"secret-of-{key}"} | fields))


async def test_sites_list_by_key_and_a_key_is_taken_once(store: SqlStore) -> None:
    shop = await store.add_site(a_site("shop", origins=("https://shop.example",)))
    acme = await store.add_site(a_site("acme", identity=IdentityMode.REQUIRED),
                                audit.entry("site_add", "site:acme", T0, actor_id="lead-1"))
    assert await store.list_sites() == [acme, shop] and await store.count_sites() == 2
    with pytest.raises(errors.Conflict):
        await store.add_site(a_site("shop"))
    assert [e.action for e in await store.audit_log()] == ["site_add"]


async def test_a_rotation_round_trips_and_names_the_secret_it_replaces(store: SqlStore) -> None:
    site = await store.add_site(a_site("shop"))
    rotated = dataclasses.replace(site, secret="new", previous_secret=site.secret,
                                  previous_until=T0 + timedelta(hours=24), origins=("http://localhost:8080",))
    entry = audit.entry("site_rotate", "site:shop", T0, actor_id="lead-1", data={"grace_hours": 24})
    assert await store.update_site(rotated, entry, secret_was=site.secret) == rotated
    assert await store.site_by_key("shop") == rotated
    assert (await store.site_by_id(site.id)).previous_until == T0 + timedelta(hours=24)
    # a second rotation that read the old secret finds it gone: nothing changes, nothing is audited
    late = dataclasses.replace(site, secret="late", previous_secret=site.secret)
    assert await store.update_site(late, entry, secret_was=site.secret) is None
    assert await store.site_by_id(site.id) == rotated
    assert len(await store.audit_log()) == 1
    assert await store.update_site(a_site("gone")) is None


async def test_save_site_writes_the_rotation_fields_too(store: SqlStore) -> None:
    site = await store.add_site(a_site("shop", previous_secret="old", previous_until=T0))
    assert (await store.site_by_key("shop")).previous_secret == "old"
    cleared = await store.save_site(dataclasses.replace(site, previous_secret=None, previous_until=None))
    assert cleared.previous_secret is None and cleared.previous_until is None
