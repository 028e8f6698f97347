"""Issue 12.13: a people-changes page is bounded in bytes, and the server's memory per request stays flat.

Before: 50 people with 64 embeddings each made one 8.3 MB answer (and the server held all of it).
"""

from __future__ import annotations

import random
import tracemalloc

from tests.server.conftest import bearer
from tests.server.test_people import person

DIM = 128


def big_person(i: int, n: int = 64) -> dict:
    rng = random.Random(i)
    return person(name=f"Person {i}", embeddings=[[rng.uniform(-0.3, 0.3) for _ in range(DIM)] for _ in range(n)])


def enrol_many(client, token, count: int, n: int = 64) -> None:
    for i in range(count):
        response = client.put(f"/api/v1/people/p-{i:03d}", json=big_person(i, n), headers=bearer(token))
        assert response.status_code == 200


def walk(client, token) -> tuple[list[str], list[int]]:
    seen, sizes, cursor, more = [], [], 0, True
    while more:
        response = client.get(f"/api/v1/people/changes?since={cursor}", headers=bearer(token))
        sizes.append(len(response.get_data()))
        page = response.json
        assert page["upserts"] or page["deletions"], "a page with more=true must carry something"
        seen += [u["person_id"] for u in page["upserts"]]
        cursor, more = page["cursor"], page["more"]
    return seen, sizes


def test_pages_stop_at_the_byte_budget_and_still_deliver_everyone_in_order(app, client, backend, kiosk_token):
    enrol_many(client, kiosk_token, 10)
    app.config["PEOPLE_PAGE_BYTES"] = 400_000  # a person with 64 embeddings is about 170 kB of JSON
    seen, sizes = walk(client, kiosk_token)
    assert seen == [f"p-{i:03d}" for i in range(10)]
    assert len(sizes) >= 5 and max(sizes) <= 400_000 + 200


def test_a_person_larger_than_the_budget_still_gets_a_page_of_their_own(app, client, kiosk_token):
    enrol_many(client, kiosk_token, 3, n=8)
    app.config["PEOPLE_PAGE_BYTES"] = 1_000
    seen, sizes = walk(client, kiosk_token)
    assert seen == ["p-000", "p-001", "p-002"] and len(sizes) == 3


def test_memory_per_page_stays_flat_however_large_the_gallery(app, client, kiosk_token):
    from server import people
    from server.db import get_db

    enrol_many(client, kiosk_token, 30)

    def peak(page_bytes: int) -> int:
        with app.app_context():
            conn = get_db()
            tracemalloc.start()
            answer = people.changes_since(conn, 0, 500, with_embeddings=True, page_bytes=page_bytes)
            _, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        return top, len(answer["upserts"])

    bounded, count = peak(400_000)
    unbounded, everyone = peak(10**9)  # what every request cost before the budget
    assert count <= 3 and everyone == 30
    assert bounded < 4_000_000 < unbounded
