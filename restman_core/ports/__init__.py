"""Ports: the ``typing.Protocol`` interfaces that services need and adapters implement.

One module per concern; nothing here imports an adapter, a driver or a framework.
"""
