"""Alerts: rules in watchlist.yaml (`rules`), the channels they go to (`channels`), and delivery
recorded per rule, channel and fact (`deliver`), batched into one message per rule and channel a run."""

from newsmon.alerts.channels import DeliveryError, Message, send_message
from newsmon.alerts.deliver import AlertReport, deliver_alerts
from newsmon.alerts.rules import AlertConfig, AlertRule, load_alerts

__all__ = [
    "AlertConfig",
    "AlertReport",
    "AlertRule",
    "DeliveryError",
    "Message",
    "deliver_alerts",
    "load_alerts",
    "send_message",
]
