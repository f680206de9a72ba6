"""Kitchen staff of restaurants: adding by email, removing, listing.

Rule decisions:

* Owners manage the staff of their own restaurants, admins of every restaurant; any other role
  is Forbidden, and another owner's (or a missing) restaurant is NotFound.
* Adding an email with an account: a customer (``user``) becomes ``kitch`` (a recorded role
  change that also revokes their sessions, which carry the old role); kitchen staff are simply
  attached, so one person can staff several restaurants. An owner or admin account is refused
  with Conflict: those roles already reach what they need, and one account has one role.
  A deactivated account is attached all the same (it cannot sign in until reactivated).
* Adding an email without an account records an invitation; the first sign-in of that email
  creates a ``kitch`` account attached to every restaurant that invited it.
* Adding is idempotent: an existing member or invitation is reported unchanged and no second
  mail goes out. A new member or invitation is mailed (staff invitation template) after the
  unit of work commits; a mail failure is logged, never raised.
* Removing a member leaves their role ``kitch`` (with no restaurants they can operate none).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from restman_core.domain import auth_events
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.mail_templates import DEFAULT_APP_NAME, staff_invitation
from restman_core.domain.users import User, normalise_email
from restman_core.errors import Conflict, NotFound
from restman_core.ports.mail import Mailer, MailMessage
from restman_core.ports.sessions import SessionStore
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant

log = logging.getLogger(__name__)

NOT_STAFF = "Staff member not found"
NO_INVITATION = "Invitation not found"


@dataclass(frozen=True, slots=True)
class StaffAddition:
    """The outcome of adding an email: ``user`` is the attached account (``None`` when an
    invitation was recorded instead); ``changed`` is False when nothing was new."""

    restaurant_id: uuid.UUID
    email: str
    user: User | None
    changed: bool

    @property
    def invited(self) -> bool:
        return self.user is None


class StaffService:
    def __init__(
        self,
        db: Database,
        sessions: SessionStore,
        mailer: Mailer,
        clock: Clock,
        *,
        app_name: str = DEFAULT_APP_NAME,
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._mailer = mailer
        self._clock = clock
        self._app_name = app_name

    async def add_staff(
        self, actor: Actor, restaurant_id: uuid.UUID, email: object
    ) -> StaffAddition:
        """Attach the account with this email to the restaurant's kitchen staff, or invite the
        email when it has no account yet. An existing customer account becomes kitchen staff only
        when an administrator adds it (owners get Conflict); owner and admin accounts never do."""
        address = normalise_email(email)
        now = self._clock.now()

        async def work(tx: Transaction) -> tuple[str, StaffAddition, bool]:
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            events: list[DomainEvent] = []
            user = await tx.users.get_by_email(address)
            promoted = False
            if user is None:
                changed = await tx.staff.invite(restaurant.id, address, actor.user_id, now)
                if changed:
                    events.append(auth_events.staff_invited(restaurant.id, address, actor, now))
            else:
                if user.role in (Role.OWNER, Role.ADMIN):
                    raise Conflict(
                        "This account belongs to a restaurant owner or an administrator and "
                        "cannot be kitchen staff"
                    )
                if user.role is Role.CUSTOMER and not actor.is_admin:
                    # Turning someone's customer account into a kitchen account changes what
                    # they can do and ends their sessions: an owner may not do that to a
                    # stranger's account, an operator may (``restman staff add``).
                    raise Conflict(
                        "This email already has a customer account; invite another email, or "
                        "ask an administrator to make it kitchen staff"
                    )
                if user.role is Role.CUSTOMER:
                    old_role, user = user.role, replace(user, role=Role.KITCHEN, updated_at=now)
                    await tx.users.save(user)
                    events.append(
                        auth_events.role_changed(user, old_role, actor, "staff_added", now)
                    )
                    promoted = True
                changed = await tx.staff.add(restaurant.id, user.id, actor.user_id, now)
                if changed:
                    events.append(auth_events.staff_added(restaurant.id, user, actor, "owner", now))
            await tx.outbox.add(events)
            return restaurant.name, StaffAddition(restaurant.id, address, user, changed), promoted

        name, addition, promoted = await self._db.run(work)
        if promoted and addition.user is not None:
            await self._sessions.revoke_all(addition.user.id)
        if addition.changed:
            await self._mail_invitation(name, address)
        return addition

    async def remove_staff(
        self, actor: Actor, restaurant_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        """Detach a member from the restaurant; NotFound when they are not a member."""
        now = self._clock.now()

        async def work(tx: Transaction) -> None:
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            user = await tx.users.get(user_id)
            if user is None or not await tx.staff.remove(restaurant.id, user.id):
                raise NotFound(NOT_STAFF)
            await tx.outbox.add([auth_events.staff_removed(restaurant.id, user, actor, now)])

        await self._db.run(work)

    async def withdraw_invitation(
        self, actor: Actor, restaurant_id: uuid.UUID, email: object
    ) -> None:
        """Cancel a pending invitation; NotFound when there is none."""
        address = normalise_email(email)
        now = self._clock.now()

        async def work(tx: Transaction) -> None:
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            if not await tx.staff.withdraw_invitation(restaurant.id, address):
                raise NotFound(NO_INVITATION)
            event = auth_events.invitation_withdrawn(restaurant.id, address, actor, now)
            await tx.outbox.add([event])

        await self._db.run(work)

    async def list_staff(self, actor: Actor, restaurant_id: uuid.UUID) -> Sequence[User]:
        """The restaurant's kitchen staff, by email."""

        async def work(tx: Transaction) -> Sequence[User]:
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            return await tx.staff.members(restaurant.id)

        return await self._db.run(work)

    async def _mail_invitation(self, restaurant_name: str, email: str) -> None:
        rendered = staff_invitation(restaurant_name, email, self._app_name)
        message = MailMessage(email, rendered.subject, rendered.text, rendered.html)
        try:
            await self._mailer.send(message)
        except Exception:
            log.exception("could not mail the staff invitation to %s", email)
