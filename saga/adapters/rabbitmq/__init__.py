"""RabbitMQ adapters of the coordinator (pika): the topology, the command bus, the consumers of
results and dead letters, and the dead-letter queue as operators see it."""
