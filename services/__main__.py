"""Run one department: `python -m services <department>`, for any department of the catalogue
(lifeevents.endpoints.DEPARTMENTS); services/common/departments.py says which class serves it.

eventlet patches the process before anything imports socket or threading; this
process never creates a grpcio channel or server (nameko-grpc speaks h2 itself).
"""
import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402

from lifeevents.endpoints import DEPARTMENTS  # noqa: E402
from services.common.runner import run  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in DEPARTMENTS:
        sys.exit(f"usage: python -m services {{{'|'.join(DEPARTMENTS)}}}")
    run(sys.argv[1])
