"""Bills: reading and paying."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath, JSONBody

from restman_api.bodies import Body
from restman_api.body_rules import Money
from restman_api.errors import responses
from restman_api.pagination import Before, Limit, page_of
from restman_api.routes.orders import IdempotencyKey
from restman_api.state import Api, Caller
from restman_core.domain.billing import PaymentMethod
from restman_core.views import bill_view
from restman_core.views_billing import bill_book_view

TAGS = ["billing"]
Json = dict[str, Any]
BILL = "/api/billing/orders/{order_id:uuid}"


class Finalize(Body):
    payment_method: PaymentMethod
    tip_amount: Money | None = None


@get(
    BILL,
    operation_id="getBill",
    summary=(
        "The whole bill of an order: its fields plus lines, taxes (one line per rate: rate, "
        "taxable, amount), discounts, service charge, split parts, payments, refunds; "
        "amount_due = total_amount - tip_amount - amount_paid (refunds never reopen it)"
    ),
    tags=TAGS,
    responses=responses(400, 401, 404),
)
async def get_bill(api: Api, actor: Caller, order_id: FromPath[uuid.UUID]) -> Json:
    return bill_book_view(await api.platform.billing.get_book(actor, order_id))


@post(
    BILL + "/finalize",
    operation_id="finalizeBill",
    status_code=200,
    tags=TAGS,
    summary="Pay the bill of an order (once; idempotent with Idempotency-Key)",
    responses=responses(400, 401, 404, 409),
)
async def finalize_bill(
    api: Api,
    actor: Caller,
    order_id: FromPath[uuid.UUID],
    data: JSONBody[Finalize],
    idempotency_key: IdempotencyKey = None,
) -> Response[Json]:
    done = await api.platform.billing.finalize(
        actor, order_id, data.payment_method, data.tip_amount, idempotency_key
    )
    headers = {"Idempotent-Replayed": "true"} if done.replayed else {}
    return Response(bill_view(done.bill), headers=headers)


@get(
    "/api/billing/users/{user_id:uuid}",
    operation_id="userBills",
    tags=TAGS,
    summary="A user's bills, newest first (that user, admins)",
    responses=responses(400, 401, 403),
)
async def user_bills(
    api: Api, actor: Caller, user_id: FromPath[uuid.UUID], limit: Limit = 50, before: Before = None
) -> list[Json]:
    page = await page_of(limit, before, None)
    return [bill_view(b) for b in await api.platform.billing.bills_of_user(actor, user_id, page)]


@get(
    "/api/billing/restaurants/{restaurant_id:uuid}",
    operation_id="restaurantBills",
    tags=TAGS,
    summary="A restaurant's bills, newest first (owner, staff, admin)",
    responses=responses(400, 401, 403, 404),
)
async def restaurant_bills(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    limit: Limit = 50,
    before: Before = None,
) -> list[Json]:
    page = await page_of(limit, before, None)
    bills = await api.platform.billing.bills_of_restaurant(actor, restaurant_id, page)
    return [bill_view(b) for b in bills]


BILLING_ROUTES = [get_bill, finalize_bill, user_bills, restaurant_bills]
