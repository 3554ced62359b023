"""The web front door: server-rendered pages for applicants, a client of the public gRPC APIs only.

It imports nothing of `saga/` or `services/`; what it knows of bundles, forms and applications it
asks the coordinator for (`lifeevents.v1.Applications`), with the caller's bearer token.
"""
