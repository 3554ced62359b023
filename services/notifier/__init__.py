"""The notifier: delivers the coordinator's notifications (lifeevents.v1.Notification, from
`<prefix>.notifications`) to the citizens they are for, through a port (delivery.py): in
development, a file per recipient in the data directory; SMS or e-mail is one more class behind the
same port. Each notification id is delivered once. Its own process: `python -m services.notifier`.
Not a department: it has no register of the catalogue, no commands and no query API."""
