"""What the shared-installation tests assert over HTTP: every answer is recorded so a test can
say "no 5xx", and the analytics of a restaurant are compared with the bills in SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from tests.api.harness import User


@dataclass
class Answers:
    """Status codes of every response a client received (an httpx response hook)."""

    failures: list[str] = field(default_factory=list)
    count: int = 0

    async def __call__(self, response: httpx.Response) -> None:
        self.count += 1
        if response.status_code >= 500:
            await response.aread()
            request = response.request
            self.failures.append(f"{request.method} {request.url.path}: {response.text[:300]}")


async def sql_truth(client: httpx.AsyncClient, owner: User, rid: str) -> dict[str, Any]:
    """Revenue of the restaurant from its bills in SQL (the billing API reads the database)."""
    response = await client.get(
        f"/api/billing/restaurants/{rid}", params={"limit": 200}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    bills = [b for b in response.json() if b["status"] != "CANCELLED"]
    return {
        "total_orders": len(bills),
        "total_revenue": str(sum((Decimal(b["subtotal"]) for b in bills), Decimal("0.00"))),
    }


def revenue_figures(view: dict[str, Any]) -> dict[str, Any]:
    return {"total_orders": view["total_orders"], "total_revenue": view["total_revenue"]}


def cli_json(code: int, out: str, err: str) -> Any:
    assert code == 0, f"exit {code}: {err[-2000:]}"
    return json.loads(out)
