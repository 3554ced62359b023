"""Live pages end as the web's stop begins (web/stopping.py), instead of being cancelled at the end
of the grace period."""
import asyncio

from web import stopping


async def forever():
    n = 0
    while True:
        n += 1
        yield n
        await asyncio.sleep(0.01)


async def three():
    for n in (1, 2, 3):
        yield n


def test_a_stream_gives_every_item_when_no_stop_begins():
    async def run():
        return [n async for n in stopping.until_stopping(three())]
    assert asyncio.run(run()) == [1, 2, 3]


def test_a_stream_that_would_run_forever_ends_once_the_stop_begins():
    async def run():
        seen = []
        async for n in stopping.until_stopping(forever()):
            seen.append(n)
            if n == 3:
                stopping.stop_began()
        return seen
    seen = asyncio.run(asyncio.wait_for(run(), 5))
    assert seen[:3] == [1, 2, 3] and len(seen) <= 4
