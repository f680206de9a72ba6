"""Kitchen pacing and scheduled orders through the running API: a restaurant's ``pacing`` is
validated and shown, a full slot is a 409 with ``next_available_at``, ``accept_later`` takes
that slot, ``pickup_at`` is checked (offset, ahead of now, within a week, within the hours)
and a scheduled order's tickets wait for their prep to start. Who may do what is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from restman_core.domain.clock import format_timestamp
from tests.api.harness import Harness, User

# Four-hour slots: the tests' few requests almost never straddle a slot's end, and the one
# that relies on "now" checks that it did not (see ``current_slot``).
PACE = {"slot_minutes": 240, "max_prep_seconds_per_slot": 600}
SLOT = timedelta(minutes=240)


def current_slot() -> datetime:
    now = datetime.now(UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    seconds = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=seconds - seconds % int(SLOT.total_seconds()))


async def paced_restaurant(harness: Harness, owner: User, **fields: Any) -> tuple[str, str]:
    """(restaurant id, food id): a pizza of 300 s prep, two of which fill a slot."""
    h, c = owner.headers, harness.client
    r = await c.post(
        "/api/restaurants", json={"name": "Paced", "pacing": PACE, **fields}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["pacing"] == PACE
    rid = r.json()["id"]
    cat = await c.post(f"/api/restaurants/{rid}/categories", json={"name": "Pizzas"}, headers=h)
    assert cat.status_code == 201, cat.text
    food = {
        "category_id": cat.json()["id"],
        "name": "Pizza",
        "price": "9.00",
        "prep_time_seconds": 300,
    }
    f = await c.post(f"/api/restaurants/{rid}/foods", json=food, headers=h)
    assert f.status_code == 201, f.text
    return rid, f.json()["id"]


async def order(
    harness: Harness, customer: User, rid: str, fid: str, quantity: int, **extra: Any
) -> Any:
    body = {
        "restaurant_id": rid,
        "items": [{"food_id": fid, "quantity": quantity}],
        "order_type": "takeaway",
        **extra,
    }
    return await harness.client.post("/api/orders", json=body, headers=customer.headers)


async def test_pacing_is_validated_shown_and_removed(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _ = await paced_restaurant(harness, owner)
    c, url = harness.client, f"/api/restaurants/{rid}"
    bad = [
        {"slot_minutes": 0, "max_prep_seconds_per_slot": 600},
        {"slot_minutes": 15, "max_prep_seconds_per_slot": -1},
        {"slot_minutes": 15},
        {"slot_minutes": 15, "max_prep_seconds_per_slot": 600, "cooks": 3},
        {"slot_minutes": 15.5, "max_prep_seconds_per_slot": 600},
        [15, 600],
    ]
    for pacing in bad:
        r = await c.patch(url, json={"pacing": pacing}, headers=owner.headers)
        assert r.status_code == 400, (pacing, r.text)
        assert r.json()["error"] == "VALIDATION_ERROR"
    assert (await c.get(url)).json()["pacing"] == PACE
    r = await c.patch(url, json={"pacing": None}, headers=owner.headers)
    assert (r.status_code, r.json()["pacing"]) == (200, None)
    plain = await c.post("/api/restaurants", json={"name": "Unpaced"}, headers=owner.headers)
    assert plain.json()["pacing"] is None


async def test_a_full_slot_is_a_409_with_next_available_at_and_accept_later_takes_it(
    harness: Harness,
) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, fid = await paced_restaurant(harness, owner)
    for _ in range(2):  # a second try only if the first straddled a slot's end
        slot = current_slot()
        first = await order(harness, customer, rid, fid, 2)
        full = await order(harness, customer, rid, fid, 1)
        if current_slot() == slot:
            break
    assert first.status_code == 201, first.text
    assert (first.json()["pickup_at"], full.status_code) == (None, 409)
    assert full.json()["error"] == "CONFLICT"
    assert full.json()["details"] == {"next_available_at": format_timestamp(slot + SLOT)}
    later = await order(harness, customer, rid, fid, 1, accept_later=True)
    assert later.status_code == 201, later.text
    assert later.json()["pickup_at"] == format_timestamp(slot + SLOT)
    assert later.json()["quoted_ready_at"] == later.json()["pickup_at"]
    # Cancelling the first order gives its slot back.
    r = await harness.client.patch(
        f"/api/orders/{first.json()['id']}/status",
        json={"status": "CANCELLED"},
        headers=customer.headers,
    )
    assert r.status_code == 200, r.text
    if current_slot() == slot:
        again = await order(harness, customer, rid, fid, 2)
        assert (again.status_code, again.json()["pickup_at"]) == (201, None)


async def test_pickup_at_is_checked(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    rid, fid = await paced_restaurant(
        harness, owner, opening_hours={d: [["10:00", "22:00"]] for d in every_day}
    )
    now = datetime.now(UTC)
    refused = [
        format_timestamp(now - timedelta(hours=1)),
        format_timestamp(now + timedelta(days=7, hours=1)),
        "2030-01-01T12:00:00",
        "soon",
    ]
    for pickup in refused:
        r = await order(harness, customer, rid, fid, 1, pickup_at=pickup)
        assert r.status_code == 400, (pickup, r.text)
        assert r.json()["error"] == "VALIDATION_ERROR"
    night = (now + timedelta(days=1)).replace(hour=23, minute=30, second=0, microsecond=0)
    r = await order(harness, customer, rid, fid, 1, pickup_at=format_timestamp(night))
    assert r.status_code == 409, r.text
    opens = (night + timedelta(days=1)).replace(hour=10, minute=0)
    assert r.json()["details"] == {"next_opening_at": format_timestamp(opens)}


async def test_a_scheduled_orders_tickets_wait_for_their_prep(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, fid = await paced_restaurant(harness, owner)
    pickup = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    # The same moment written in a zone two hours behind UTC.
    local = (pickup - timedelta(hours=2)).replace(tzinfo=None).isoformat() + "-02:00"
    r = await order(harness, customer, rid, fid, 1, pickup_at=local)
    assert r.status_code == 201, r.text
    placed = r.json()
    assert placed["pickup_at"] == placed["quoted_ready_at"] == format_timestamp(pickup)
    (ticket,) = await harness.tickets_of(owner.headers, placed["id"])
    assert ticket["fire_at"] == format_timestamp(pickup - timedelta(seconds=300))
    assert ticket["held"] is False
    r = await harness.client.get(f"/api/kitchen/all-day?restaurant_id={rid}", headers=owner.headers)
    assert r.json() == []
    # The same slot is now full for a second order of two.
    r = await order(harness, customer, rid, fid, 2, pickup_at=local)
    assert r.status_code == 409, r.text
    assert r.json()["details"]["next_available_at"] is not None


async def test_who_may_set_pacing_and_see_scheduled_orders_is_unchanged(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, fid = await paced_restaurant(harness, owner)
    staff = await harness.new_staff(owner, rid)
    stranger = await harness.new_user("rest")
    c, url = harness.client, f"/api/restaurants/{rid}"
    for who, status in ((customer, 403), (staff, 403), (stranger, 404)):
        r = await c.patch(url, json={"pacing": None}, headers=who.headers)
        assert r.status_code == status, (who.role, r.text)
    assert (await c.get(url)).json()["pacing"] == PACE
    pickup = format_timestamp(datetime.now(UTC) + timedelta(days=1))
    placed = await order(harness, customer, rid, fid, 1, pickup_at=pickup)
    assert placed.status_code == 201, placed.text
    oid = placed.json()["id"]
    other = await harness.new_user("user")
    assert (await c.get(f"/api/orders/{oid}", headers=other.headers)).status_code == 404
    seen = await c.get(f"/api/orders/{oid}", headers=staff.headers)
    assert seen.json()["pickup_at"] == placed.json()["pickup_at"]
    r = await c.get(f"/api/orders?restaurant_id={rid}", headers=stranger.headers)
    assert r.json() == []
