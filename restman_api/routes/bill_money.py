"""The money of a bill: discounts, splitting the check, payments and refunds. Every route
answers the whole bill as ``GET /api/billing/orders/{order_id}`` shows it."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Response, delete, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, JSONBody

from restman_api.bodies import Body, DocumentContext, alternatives, fields_of
from restman_api.body_rules import (
    PERCENT_PATTERN,
    ItemGroups,
    ItemIds,
    Money,
    PartAmounts,
    PartCount,
    PositiveMoney,
    Reason,
    rule,
)
from restman_api.errors import responses
from restman_api.routes.billing import BILL, TAGS, Json
from restman_api.routes.orders import IdempotencyKey
from restman_api.state import Api, Caller
from restman_core.domain.bill_book import DiscountKind
from restman_core.domain.bill_split import SPLIT_KINDS
from restman_core.domain.billing import PaymentMethod
from restman_core.services.bill_changes import BookChange
from restman_core.views_billing import bill_book_view


class NewDiscount(Body):
    """``kind`` percent: ``value`` is a percent of the subtotal, at most 100."""

    kind: Annotated[str, rule(enum=[k.value for k in DiscountKind])]
    value: PositiveMoney
    reason: Reason

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        # BillBook.with_discount: a percent discount is at most 100 %.
        schema.schema_if = Schema(
            properties={"kind": Schema(const=DiscountKind.PERCENT.value)}, required=["kind"]
        )
        schema.then = Schema(properties={"value": Schema(pattern=PERCENT_PATTERN)})


class Split(Body):
    """``by`` equal takes a count in ``parts``, ``by`` items a list of item-id lists in
    ``parts``, ``by`` amounts a list in ``amounts``."""

    by: Annotated[str, rule(enum=list(SPLIT_KINDS))]
    parts: PartCount | ItemGroups | None = None
    amounts: PartAmounts | None = None

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        # restman_core.domain.bill_split.split_parts: what ``by`` asks for.
        def kind(by: str, needs: str, value: Schema) -> Schema:
            return Schema(properties={"by": Schema(const=by), needs: value}, required=["by", needs])

        fields = schema.properties or {}
        count, groups = alternatives(fields["parts"])
        (listed,) = alternatives(fields["amounts"])
        schema.one_of = [
            kind("equal", "parts", count),
            kind("items", "parts", groups),
            kind("amounts", "amounts", listed),
        ]


class NewPayment(Body):
    amount: PositiveMoney
    payment_method: PaymentMethod
    tip_amount: Money | None = None
    part_id: uuid.UUID | None = None


class NewRefund(Body):
    """Either ``amount`` or ``item_ids``, not both."""

    reason: Reason
    amount: PositiveMoney | None = None
    item_ids: ItemIds | None = None

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        # BillMoneyService.refund: exactly one of the two.
        given = Schema(schema_not=Schema(type=OpenAPIType.NULL))
        schema.one_of = [
            Schema(required=["amount"], properties={"amount": given}),
            Schema(required=["item_ids"], properties={"item_ids": given}),
        ]


def _answer(change: BookChange) -> Response[Json]:
    headers = {"Idempotent-Replayed": "true"} if change.replayed else {}
    return Response(bill_book_view(change.book), headers=headers)


@post(
    BILL + "/discounts",
    operation_id="addBillDiscount",
    status_code=200,
    tags=TAGS,
    summary=(
        "Give a discount {kind: percent|amount, value, reason} before tax (owner, admin; staff "
        "up to the restaurant's staff_discount_limit percent of the subtotal). Spread over the "
        "tax rate lines in proportion to their bases (shares rounded down, leftover cents to "
        "the largest base). Only before any payment; it drops a split"
    ),
    responses=responses(400, 401, 403, 404, 409),
)
async def add_discount(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], data: JSONBody[NewDiscount]
) -> Json:
    book = await api.platform.money.add_discount(
        actor, order_id, data.kind, data.value, data.reason
    )
    return bill_book_view(book)


@delete(
    BILL + "/discounts/{discount_id:uuid}",
    operation_id="removeBillDiscount",
    status_code=200,
    tags=TAGS,
    summary="Take a discount back (owner, admin), only before any payment; it drops a split",
    responses=responses(400, 401, 403, 404, 409),
)
async def remove_discount(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], discount_id: FromPath[uuid.UUID]
) -> Json:
    return bill_book_view(await api.platform.money.remove_discount(actor, order_id, discount_id))


@post(
    BILL + "/split",
    operation_id="splitBill",
    status_code=200,
    tags=TAGS,
    summary=(
        'Split the check (the bill\'s viewers): {by: "items", parts: [[item_id, ...], ...]} '
        '(every item in exactly one part), {by: "equal", parts: n} or {by: "amounts", '
        "amounts: [...]} (summing to the amount due); 2 to 50 parts, the remainder cent to the "
        "first part. Again until a payment is taken; then every payment names its part_id"
    ),
    responses=responses(400, 401, 404, 409),
)
async def split_bill(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], data: JSONBody[Split]
) -> Json:
    return bill_book_view(await api.platform.money.split(actor, order_id, fields_of(data)))


@post(
    BILL + "/payments",
    operation_id="payBill",
    status_code=200,
    tags=TAGS,
    summary=(
        "Take a payment {amount, payment_method, tip_amount?, part_id?} (the bill's viewers; "
        "idempotent with Idempotency-Key). The tip comes on top of the amount; above what is "
        "due on the bill or its part is a 409, so is a cancelled bill. PAID when nothing is due"
    ),
    responses=responses(400, 401, 404, 409),
)
async def pay_bill(
    api: Api,
    actor: Caller,
    order_id: FromPath[uuid.UUID],
    data: JSONBody[NewPayment],
    idempotency_key: IdempotencyKey = None,
) -> Response[Json]:
    return _answer(await api.platform.money.pay(actor, order_id, fields_of(data), idempotency_key))


@post(
    BILL + "/refunds",
    operation_id="refundBill",
    status_code=200,
    tags=TAGS,
    summary=(
        "Refund {amount? | item_ids?, reason} (owner, admin; idempotent with Idempotency-Key): "
        "an amount, or what the items are worth of the bill (their share of discounts, tax and "
        "service charge). Never more than was paid and not yet refunded; tips are not refunded"
    ),
    responses=responses(400, 401, 403, 404, 409),
)
async def refund_bill(
    api: Api,
    actor: Caller,
    order_id: FromPath[uuid.UUID],
    data: JSONBody[NewRefund],
    idempotency_key: IdempotencyKey = None,
) -> Response[Json]:
    change = await api.platform.money.refund(actor, order_id, fields_of(data), idempotency_key)
    return _answer(change)


MONEY_ROUTES = [add_discount, remove_discount, split_bill, pay_bill, refund_bill]
