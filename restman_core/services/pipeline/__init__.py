"""The event pipeline's use-case side: the consumers' handlers (the same code whether events
come from Kafka or from the embedded log) and the runner that supervises workers.

* :class:`KitchenHandler`: order.placed opens tickets, order.cancelled voids them.
* :class:`BillingHandler`: order.placed opens the bill, order.cancelled cancels it if unpaid.
* :class:`OrdersHandler`: ticket events move the order along (READY, COMPLETED, ...).
* :class:`NotificationsHandler`: an order turning READY mails its customer.
* :class:`AnalyticsHandler`: events become analytics facts, stored in batches.

Each records processed event ids in the same transaction as its effect (analytics: after the
batch is stored), so a redelivered event takes effect once.
"""

from restman_core.services.pipeline.analytics import AnalyticsHandler
from restman_core.services.pipeline.base import (
    ANALYTICS,
    BILLING,
    CONSUMERS,
    KITCHEN,
    NOTIFICATIONS,
    ORDERS,
    PipelineHandler,
    TransactionalHandler,
    group_id,
)
from restman_core.services.pipeline.billing import BillingHandler
from restman_core.services.pipeline.kitchen import KitchenHandler
from restman_core.services.pipeline.metrics import PipelineCollector, register_pipeline_metrics
from restman_core.services.pipeline.notifications import NotificationsHandler
from restman_core.services.pipeline.orders import OrdersHandler
from restman_core.services.pipeline.runner import Worker, Workers, WorkerSpec

__all__ = [
    "ANALYTICS",
    "BILLING",
    "CONSUMERS",
    "KITCHEN",
    "NOTIFICATIONS",
    "ORDERS",
    "AnalyticsHandler",
    "BillingHandler",
    "KitchenHandler",
    "NotificationsHandler",
    "OrdersHandler",
    "PipelineCollector",
    "PipelineHandler",
    "TransactionalHandler",
    "Worker",
    "WorkerSpec",
    "Workers",
    "group_id",
    "register_pipeline_metrics",
]
