"""RestMan as a library: bootstrap on embedded storage, create a restaurant and its menu, place
an order, and read its bill. Run with ``uv run python examples/library.py``."""

import asyncio
import tempfile

from restman_core import Actor, Role, bootstrap, load_settings


async def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        platform = await bootstrap(load_settings(data_dir=data_dir))
        try:
            owner = (await platform.users.ensure("owner@example.com", Role.OWNER)).as_actor()
            guest: Actor = (
                await platform.users.ensure("guest@example.com", Role.CUSTOMER)
            ).as_actor()

            pizzeria = await platform.menus.create_restaurant(owner, {"name": "Pizza Palace"})
            pizzas = await platform.menus.create_category(owner, pizzeria.id, {"name": "Pizzas"})
            margherita = await platform.menus.create_food(
                owner,
                pizzeria.id,
                {"category_id": pizzas.id, "name": "Margherita", "price": "12.99"},
            )

            placed = await platform.orders.place_order(
                guest,
                {
                    "restaurant_id": pizzeria.id,
                    "items": [{"food_id": margherita.id, "quantity": 2}],
                },
            )
            print("order", placed.order.number, "total", placed.order.total_amount)

            # The bill is opened by the billing consumer from the order.placed event; here we
            # run the event pipeline once, in-process, to let it happen.
            await platform.process_events()
            bill = await platform.billing.get_bill(guest, placed.order.id)
            print("bill", bill.subtotal, "+ tax", bill.tax_amount, "=", bill.total_amount)
        finally:
            await platform.close()


if __name__ == "__main__":
    asyncio.run(main())
