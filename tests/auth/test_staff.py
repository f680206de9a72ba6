"""Kitchen staff on every store backend: invitations that turn into ``kitch`` accounts at first
sign-in, attaching existing accounts, several restaurants per cook, who may manage staff, and
what ``me`` shows."""

from __future__ import annotations

import uuid

import pytest

from restman_core.adapters.smtp.mailer import SmtpMailer
from restman_core.domain.access import SYSTEM_ACTOR, Role
from restman_core.domain.auth import AuthPolicy
from restman_core.errors import Conflict, Forbidden, NotFound, Unauthorized
from restman_core.services.auth import SignIn
from tests.auth.helpers import (
    Inbox,
    ManualClock,
    Node,
    Services,
    add_restaurant,
    build_services,
    events_about,
    fresh_email,
    plain_text,
)


@pytest.fixture
def services(
    node: Node, mailer: SmtpMailer, clock: ManualClock, policy: AuthPolicy, inbox: Inbox
) -> Services:
    return build_services(node, mailer, clock, policy, inbox)


async def _owner(services: Services, name: str = "Trattoria") -> tuple[SignIn, uuid.UUID]:
    owner = await services.sign_in(fresh_email("owner"), Role.OWNER)
    restaurant = await add_restaurant(services.node.db, owner.user.id, name)
    return owner, restaurant.id


async def test_an_invited_email_signs_in_as_kitchen_staff_of_the_restaurant(
    services: Services, inbox: Inbox
) -> None:
    owner, restaurant_id = await _owner(services, "Chez Test")
    cook = fresh_email("cook")
    added = await services.staff.add_staff(owner.session.actor, restaurant_id, cook)
    assert added.invited
    assert added.changed
    [invitation] = await inbox.wait(cook)
    assert "Chez Test" in plain_text(invitation)
    # Inviting twice changes nothing and sends no second mail.
    again = await services.staff.add_staff(owner.session.actor, restaurant_id, cook)
    assert not again.changed

    signed = await services.sign_in(cook, Role.CUSTOMER)
    assert signed.user.role is Role.KITCHEN
    profile = await services.accounts.me(signed.session.actor)
    assert [r.id for r in profile.restaurants] == [restaurant_id]
    members = await services.staff.list_staff(owner.session.actor, restaurant_id)
    assert [m.email for m in members] == [cook]
    assert len(inbox.to(cook)) == 2  # the invitation and the code, nothing more
    kinds = [kind for kind, _ in await events_about(services.node.db, cook)]
    assert kinds == ["staff.invited", "user.created", "staff.added", "user.signed_in"]


async def test_a_customer_made_staff_by_an_operator_staffs_several_restaurants(
    services: Services,
) -> None:
    owner, first = await _owner(services, "First")
    other_owner, second = await _owner(services, "Second")
    customer = await services.sign_in(fresh_email())
    # An owner may not turn a stranger's customer account into a kitchen account...
    with pytest.raises(Conflict):
        await services.staff.add_staff(owner.session.actor, first, customer.user.email)
    assert (await services.auth.authenticate(customer.token)).actor.role is Role.CUSTOMER
    # ...an operator may.
    added = await services.staff.add_staff(SYSTEM_ACTOR, first, customer.user.email)
    assert added.user is not None
    assert added.user.role is Role.KITCHEN
    # The old session carried the customer role: it was revoked.
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(customer.token)
    await services.staff.add_staff(other_owner.session.actor, second, customer.user.email)
    services.clock.advance(60)
    cook = await services.sign_in(customer.user.email)
    assert cook.session.actor.role is Role.KITCHEN
    profile = await services.accounts.me(cook.session.actor)
    assert {r.id for r in profile.restaurants} == {first, second}
    await services.staff.remove_staff(owner.session.actor, first, cook.user.id)
    profile = await services.accounts.me(cook.session.actor)
    assert [r.id for r in profile.restaurants] == [second]
    with pytest.raises(NotFound):
        await services.staff.remove_staff(owner.session.actor, first, cook.user.id)
    kinds = [kind for kind, _ in await events_about(services.node.db, customer.user.email)]
    assert kinds.count("user.role_changed") == 1
    assert kinds.count("staff.added") == 2
    assert kinds.count("staff.removed") == 1


async def test_owners_and_admins_cannot_be_kitchen_staff(services: Services) -> None:
    owner, restaurant_id = await _owner(services)
    other_owner, _ = await _owner(services, "Elsewhere")
    admin = await services.accounts.create_admin(SYSTEM_ACTOR, fresh_email("ops"))
    for email in (other_owner.user.email, admin.email):
        with pytest.raises(Conflict):
            await services.staff.add_staff(owner.session.actor, restaurant_id, email)


async def test_only_the_owner_or_an_admin_manages_a_restaurants_staff(
    services: Services,
) -> None:
    owner, restaurant_id = await _owner(services)
    other_owner, _ = await _owner(services, "Rival")
    customer = await services.sign_in(fresh_email())
    cook_email = fresh_email("cook")
    with pytest.raises(NotFound):
        await services.staff.add_staff(other_owner.session.actor, restaurant_id, cook_email)
    with pytest.raises(NotFound):
        await services.staff.list_staff(other_owner.session.actor, restaurant_id)
    with pytest.raises(NotFound):
        await services.staff.add_staff(owner.session.actor, uuid.uuid4(), cook_email)
    with pytest.raises(Forbidden):
        await services.staff.add_staff(customer.session.actor, restaurant_id, cook_email)
    added = await services.staff.add_staff(SYSTEM_ACTOR, restaurant_id, cook_email)
    assert added.invited
    await services.staff.withdraw_invitation(owner.session.actor, restaurant_id, cook_email)
    with pytest.raises(NotFound):
        await services.staff.withdraw_invitation(owner.session.actor, restaurant_id, cook_email)
    # Without the invitation the kitchen role cannot be had.
    await services.auth.request_code(cook_email, Role.KITCHEN)
    code = await services.inbox.code(cook_email, 2)
    with pytest.raises(Forbidden):
        await services.auth.verify_code(cook_email, code)


async def test_me_shows_owned_restaurants_for_owners_and_none_for_customers(
    services: Services,
) -> None:
    owner, _ = await _owner(services, "Mine")
    profile = await services.accounts.me(owner.session.actor)
    assert profile.role is Role.OWNER
    assert profile.is_active
    assert [r.name for r in profile.restaurants] == ["Mine"]
    customer = await services.sign_in(fresh_email())
    assert (await services.accounts.me(customer.session.actor)).restaurants == ()
