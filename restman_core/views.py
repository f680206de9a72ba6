"""JSON-ready views of domain objects, in the contract's shapes.

Money is rendered as two-place decimal strings, ids as lowercase hyphenated strings, timestamps
as RFC 3339 UTC with ``Z``. The API, the CLI's JSON output, cached menus and event payloads all
use these, so a shape is defined once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from restman_core.domain.analytics import (
    KitchenTime,
    MethodTotal,
    RevenueSummary,
    StatusCount,
    TopFood,
)
from restman_core.domain.analytics_changes import QuoteError
from restman_core.domain.billing import Bill
from restman_core.domain.clock import format_timestamp
from restman_core.domain.kitchen import Ticket
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.money import format_money
from restman_core.domain.orders import Order, OrderItem
from restman_core.domain.users import User
from restman_core.menu_views import chosen_views
from restman_core.ports.dead_letters import DeadLetterRecord

if TYPE_CHECKING:
    from restman_core.services.expo import ExpoOrder

Json = dict[str, Any]


def _ts(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment else None


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f}" if rate else "0"


def restaurant_view(r: Restaurant) -> Json:
    return {
        "id": str(r.id),
        "owner_id": str(r.owner_id),
        "name": r.name,
        "description": r.description,
        "address": r.address,
        "phone": r.phone,
        "tax_rate": _rate(r.tax_rate),
        "auto_fire_courses": r.auto_fire_courses,
        "prices_include_tax": r.prices_include_tax,
        "service_charge_rate": _rate(r.service_charge_rate) if r.service_charge_rate else None,
        "staff_discount_limit": (
            format_money(r.staff_discount_limit) if r.staff_discount_limit is not None else None
        ),
        "is_active": r.is_active,
        "created_at": _ts(r.created_at),
        "updated_at": _ts(r.updated_at),
        "timezone": r.timezone,
        "opening_hours": r.opening_hours.as_json() if r.opening_hours else None,
        "pacing": r.pacing.as_json() if r.pacing else None,
    }


def category_view(c: Category) -> Json:
    return {
        "id": str(c.id),
        "restaurant_id": str(c.restaurant_id),
        "name": c.name,
        "description": c.description,
        "display_order": c.display_order,
        "station": c.station,
        "course": c.course,
        "is_active": c.is_active,
        "created_at": _ts(c.created_at),
        "updated_at": _ts(c.updated_at),
        "available_hours": c.available_hours.as_json() if c.available_hours else None,
    }


def food_view(f: Food) -> Json:
    return {
        "id": str(f.id),
        "restaurant_id": str(f.restaurant_id),
        "category_id": str(f.category_id),
        "name": f.name,
        "description": f.description,
        "price": format_money(f.price),
        "is_available": f.is_available and not f.is_deleted,
        "stock_remaining": f.stock_remaining,
        "prep_time_seconds": f.prep_time_seconds,
        "station": f.station,
        "course": f.course,
        "tax_rate": _rate(f.tax_rate) if f.tax_rate is not None else None,
        "created_at": _ts(f.created_at),
        "updated_at": _ts(f.updated_at),
        "modifier_group_ids": [str(g) for g in f.modifier_group_ids],
        "allergens": list(f.allergens),
    }


def order_item_view(i: OrderItem) -> Json:
    return {
        "id": str(i.id),
        "order_id": str(i.order_id),
        "food_id": str(i.food_id),
        "food_name": i.food_name,
        "food_description": i.food_description,
        "quantity": i.quantity,
        "unit_price": format_money(i.unit_price),
        "subtotal": format_money(i.subtotal),
        "notes": i.notes,
        "station": i.station,
        "tax_rate": _rate(i.tax_rate) if i.tax_rate is not None else None,
        "created_at": _ts(i.created_at),
        "modifiers": chosen_views(i.modifiers),
        "allergy_note": i.allergy_note,
        "is_addition": i.batch > 0,
        "voided": i.voided,
        "course": i.course,
        "prep_time_seconds": i.prep_time_seconds,
    }


def order_view(o: Order, *, with_items: bool = True) -> Json:
    """The original's Order fields plus order_type, table and number; with items and status
    history when ``with_items`` (OrderResponse)."""
    view: Json = {
        "id": str(o.id),
        "number": o.number,
        "user_id": str(o.user_id),
        "restaurant_id": str(o.restaurant_id),
        "status": str(o.status),
        "order_type": str(o.order_type),
        "table": o.table,
        "total_amount": format_money(o.total_amount),
        "delivery_address": o.delivery_address,
        "special_instructions": o.special_instructions,
        "created_at": _ts(o.created_at),
        "updated_at": _ts(o.updated_at),
        "quoted_ready_at": _ts(o.quoted_ready_at),
        "pickup_at": _ts(o.pickup_at),
    }
    if with_items:
        view["items"] = [order_item_view(i) for i in o.items]
        view["status_history"] = [
            {
                "status": str(h.status),
                "changed_at": _ts(h.changed_at),
                "actor_id": str(h.actor_id) if h.actor_id else None,
                "note": h.note,
            }
            for h in o.history
        ]
    return view


def ticket_view(t: Ticket) -> Json:
    return {
        "id": str(t.id),
        "order_id": str(t.order_id),
        "order_number": t.order_number,
        "restaurant_id": str(t.restaurant_id),
        "user_id": str(t.user_id),
        "station": t.station,
        "status": str(t.status),
        "version": t.version,
        "order_type": t.order_type,
        "table": t.table,
        "items": [
            {
                "id": str(i.id),
                "order_item_id": str(i.order_item_id),
                "food_id": str(i.food_id),
                "food_name": i.food_name,
                "quantity": i.quantity,
                "notes": i.notes,
                "done": i.done,
                "modifiers": chosen_views(i.modifiers),
                "allergy_note": i.allergy_note,
                "voided": i.voided,
            }
            for i in t.items
        ],
        "allergy_notes": list(t.allergy_notes),
        "special_instructions": t.special_instructions,
        "is_addition": t.is_addition,
        "course": t.course,
        "held": t.held,
        "fire_at": _ts(t.fire_at),
        "can_recall": t.can_recall,
        "created_at": _ts(t.created_at),
        "updated_at": _ts(t.updated_at),
        "ready_at": _ts(t.ready_at),
    }


def bill_view(b: Bill) -> Json:
    return {
        "id": str(b.id),
        "order_id": str(b.order_id),
        "user_id": str(b.user_id),
        "restaurant_id": str(b.restaurant_id),
        "subtotal": format_money(b.subtotal),
        "tax_rate": _rate(b.tax_rate),
        "tax_amount": format_money(b.tax_amount),
        "discount_amount": format_money(b.discount_amount),
        "tip_amount": format_money(b.tip_amount),
        "total_amount": format_money(b.total_amount),
        "service_charge": format_money(b.service_charge),
        "amount_paid": format_money(b.amount_paid),
        "amount_due": format_money(b.amount_due),
        "refunded_amount": format_money(b.refunded_amount),
        "prices_include_tax": b.prices_include_tax,
        "status": str(b.status),
        "payment_method": str(b.payment_method) if b.payment_method else None,
        "generated_at": _ts(b.generated_at),
        "paid_at": _ts(b.paid_at),
        "created_at": _ts(b.created_at),
        "updated_at": _ts(b.updated_at),
    }


def user_view(u: User) -> Json:
    return {
        "id": str(u.id),
        "email": u.email,
        "role": str(u.role),
        "is_active": u.is_active,
        "created_at": _ts(u.created_at),
        "last_sign_in_at": _ts(u.last_sign_in_at),
    }


def top_food_view(f: TopFood) -> Json:
    return {
        "food_id": str(f.food_id),
        "food_name": f.food_name,
        "total_quantity": f.total_quantity,
        "total_revenue": format_money(f.total_revenue),
    }


def revenue_view(s: RevenueSummary) -> Json:
    return {
        "total_revenue": format_money(s.total_revenue),
        "total_orders": s.total_orders,
        "average_order_value": format_money(s.average_order_value),
        "tax_total": format_money(s.tax_total),
        "tip_total": format_money(s.tip_total),
        "gross_total": format_money(s.gross_total),
        "discount_total": format_money(s.discount_total),
        "refund_total": format_money(s.refund_total),
    }


def method_total_view(t: MethodTotal) -> Json:
    return {
        "payment_method": t.payment_method,
        "payments": t.payments,
        "amount_total": format_money(t.amount_total),
        "tip_total": format_money(t.tip_total),
    }


def day_revenue_view(day: date, s: RevenueSummary) -> Json:
    """One point of a day-by-day revenue series: the day and its net sales."""
    return {"day": day.isoformat(), "total_revenue": format_money(s.total_revenue)}


def status_count_view(c: StatusCount) -> Json:
    return {"status": c.status, "count": c.count}


def kitchen_time_view(t: KitchenTime) -> Json:
    return {
        "station": t.station,
        "day": t.day.isoformat(),
        "tickets": t.tickets,
        "average_seconds": t.average_seconds,
        "p90_seconds": t.p90_seconds,
    }


def quote_error_view(e: QuoteError) -> Json:
    """The quote error figures (seconds, positive when later than quoted; null when no quoted
    order was ready), under the names the kitchen-times report gives them."""
    view: Json = {} if e.restaurant_id is None else {"restaurant_id": str(e.restaurant_id)}
    view.update(
        {
            "quoted_orders": e.orders,
            "quote_error_p50_seconds": e.p50_seconds,
            "quote_error_p90_seconds": e.p90_seconds,
        }
    )
    return view


def kitchen_report_view(times: Sequence[KitchenTime], errors: Sequence[QuoteError]) -> Json:
    """The kitchen-times report with its quote error: the station rows, the figures over the
    whole report (``errors[0]``), and each restaurant's."""
    overall, *restaurants = errors
    return {
        "stations": [kitchen_time_view(t) for t in times],
        **quote_error_view(overall),
        "restaurants": [quote_error_view(e) for e in restaurants],
    }


def dead_letter_view(letter: DeadLetterRecord) -> dict[str, Any]:
    """A dead letter: its id, the consumer that gave up, attempts, last error, when, and the
    event itself (its envelope)."""
    return {
        "id": letter.id,
        "consumer": letter.consumer,
        "event_id": str(letter.event.event_id),
        "event_type": letter.event.event_type,
        "topic": letter.topic,
        "log_seq": letter.log_seq,
        "attempts": letter.attempts,
        "last_error": letter.error,
        "failed_at": format_timestamp(letter.failed_at),
        "event": letter.event.envelope(),
    }


def expo_view(e: ExpoOrder) -> Json:
    """One order on the expediter's board: the order (without items), its tickets, stations
    and whether it is ready to send out."""
    return {
        "order": order_view(e.order, with_items=False),
        "order_number": e.order.number,
        "table": e.order.table,
        "stations": list(e.stations),
        "ready_for_expo": e.ready_for_expo,
        "tickets": [ticket_view(t) for t in e.tickets],
    }
