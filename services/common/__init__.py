"""What every department shares. Without nameko: the domain base (`domain.py`), employer accounts
(`companies.py`), the SQLite register, the demo seed, fault rules and settings. The thin nameko
layer: `messaging.py` (command entrypoint, result publisher), `providers.py` (the register, fault
injection), `queries.py` (gRPC), `runner.py`."""
