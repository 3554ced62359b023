"""The read side of the follow-ups of bad ratings (saga/adapters/follow_ups.py), mixed into Queries
(saga/queries.py): a listing for operators (open, closed, overdue by the coordinator's clock) and one
follow-up by its id (to find the application an operator's CloseFollowUp changes)."""
from __future__ import annotations


class FollowUpQueries:
    """Needs the Queries' coordinator, `follow_ups` projection and `_caught_up`."""

    def follow_ups_listed(self, state: str = "", bundle: str = "", limit: int = 50,
                          offset: int = 0) -> tuple[list[dict], int]:
        """Follow-ups, oldest first, each with whether it is overdue now; and how many match."""
        self._caught_up(self.follow_ups)
        return self.follow_ups.view.follow_ups(state, bundle, self.coordinator.clock(), limit, offset)

    def follow_up(self, follow_up_id: str) -> dict | None:
        self._caught_up(self.follow_ups)
        return self.follow_ups.view.follow_up(follow_up_id, self.coordinator.clock())
