"""Shared kernel of the lifeevents suite: identifiers every side checks the same way.

The generated protobuf stubs live beside this package (``lifeevents.v1``,
``lifeevents.departments.v1``); they are produced from ``protos/`` by ``make protos``.
"""
