"""Who does what among coordinator instances (saga/adapters/ownership.py), with leases faked behind
their port: one relay and one projections follower at a time, a fair share of the partitions each,
a dead instance's share taken over on the next round, work stopped before a lease is given up."""
from saga.adapters.ownership import Ownership, Roles
from tests.support.fakes import LeaseServer

PARTITIONS = 16


class Instance:
    """An instance's ownership and what it was told to do, in order."""

    def __init__(self, server: LeaseServer):
        self.leases = server.session()
        self.applied: list[Roles] = []
        self.ownership = Ownership(self.leases, PARTITIONS, self.record)

    def record(self, roles: Roles) -> None:
        # Whatever is given up is still leased when the work stops: no one else can have started it.
        for partition in self.ownership.roles.partitions - roles.partitions:
            assert f"partition:{partition}" in self.leases.held()
        self.applied.append(roles)

    def tick(self) -> Roles:
        return self.ownership.tick()

    @property
    def partitions(self) -> frozenset[int]:
        return self.ownership.roles.partitions


def rounds(*instances: Instance, times: int = 3) -> None:
    for _ in range(times):
        for instance in instances:
            instance.tick()


def two_settled_instances() -> tuple[Instance, Instance]:
    """Two instances on one lease server after the rounds that share the work between them."""
    server = LeaseServer()
    first, second = Instance(server), Instance(server)
    first.tick()
    rounds(second, first, second)
    return first, second


def test_a_lone_instance_does_everything():
    alone = Instance(LeaseServer())
    assert alone.tick() == Roles(True, True, frozenset(range(PARTITIONS)))


def test_two_instances_split_the_partitions_and_one_of_them_relays():
    first, second = two_settled_instances()
    assert len(first.partitions) == len(second.partitions) == PARTITIONS // 2
    assert first.partitions | second.partitions == frozenset(range(PARTITIONS))
    assert (first.ownership.roles.relay, second.ownership.roles.relay) == (True, False)
    assert (first.ownership.roles.projections, second.ownership.roles.projections) == (True, False)


def test_three_instances_hold_every_partition_once():
    server = LeaseServer()
    instances = [Instance(server) for _ in range(3)]
    rounds(*instances, times=4)
    owned = [i.partitions for i in instances]
    assert all(len(p) <= 6 for p in owned), "a share is the partitions divided by the instances, rounded up"
    assert sum(len(p) for p in owned) == PARTITIONS and frozenset().union(*owned) == frozenset(range(PARTITIONS))
    assert sum(i.ownership.roles.relay for i in instances) == 1


def test_a_dead_instances_work_is_taken_over_on_the_next_round():
    first, second = two_settled_instances()
    first.leases.die()
    second.tick()
    assert second.ownership.roles == Roles(True, True, frozenset(range(PARTITIONS)))


def test_an_instance_that_loses_its_session_stops_everything():
    server = LeaseServer()
    alone = Instance(server)
    alone.tick()
    alone.leases.lost = True
    assert alone.tick() == Roles()
    assert alone.applied[-1] == Roles()


def test_a_graceful_stop_stops_the_work_then_frees_the_leases_for_the_others():
    first, second = two_settled_instances()
    first.ownership.stop()
    assert first.applied[-1] == Roles() and not first.leases.held()
    second.tick()
    assert second.ownership.roles.relay and len(second.partitions) == PARTITIONS
