"""The per-key progress limiter (studio.generation.pacing.SlidingWindowLimiter) on a clock the
test moves: no sleeps, so the outcome never depends on the machine's speed."""

from __future__ import annotations

import heapq
import random

import pytest

from studio.generation.pacing import SlidingWindowLimiter


class Clock:
    """A monotonic clock that only moves when the test says so (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_key_gets_its_places_then_waits_for_an_answer(clock):
    limiter = SlidingWindowLimiter(10, window=1.0, margin=0.05, clock=clock)
    tickets = [limiter.try_acquire("k")[0] for _ in range(10)]
    assert None not in tickets

    # All ten in flight: nothing frees until an answer arrives, however long it takes.
    clock.now += 30
    assert limiter.try_acquire("k") == (None, None)
    assert limiter.try_acquire("other key")[0] is not None  # keys do not share places

    limiter.release("k", tickets[0])
    ticket, wait = limiter.try_acquire("k")
    assert ticket is None and wait == pytest.approx(1.05)  # a window + margin after the answer
    clock.now += 1.04
    assert limiter.try_acquire("k")[0] is None
    clock.now += 0.02
    assert limiter.try_acquire("k")[0] is not None
    assert limiter.try_acquire("k")[0] is None


def test_sends_delayed_and_released_together_never_put_eleven_arrivals_in_a_second(clock):
    """300 requests of one key, wanted in bursts, each arriving at the provider anywhere
    between its send and its answer (up to 0.8 s late, as on a busy machine) and answered up
    to 0.3 s later. Whatever second the provider counts in (a fixed one, a rolling one, the
    sandbox's ten 100 ms buckets), it never sees more than 10 arrivals."""
    rng = random.Random(7)
    limiter = SlidingWindowLimiter(10, window=1.0, margin=0.05, clock=clock)
    events: list[tuple[float, int, str, int]] = []  # (time, order, what, request)
    order = iter(range(10**6))
    for request in range(300):
        wanted = clock.now + (request // 40) * 0.5  # bursts of 40 every half second
        heapq.heappush(events, (wanted, next(order), "try", request))
    tickets: dict[int, int] = {}
    waiting: list[int] = []  # refused while every place was in flight: retried on a release
    arrivals: list[float] = []
    sends = answers = 0

    while events:
        clock.now, _, what, request = heapq.heappop(events)
        if what == "try":
            ticket, wait = limiter.try_acquire("k")
            if ticket is None and wait is None:
                waiting.append(request)
            elif ticket is None:
                heapq.heappush(events, (clock.now + wait, next(order), "try", request))
            else:
                sends += 1
                tickets[request] = ticket
                arrival = clock.now + rng.choice([0.0, 0.001, rng.uniform(0, 0.8)])
                arrivals.append(arrival)
                answer = arrival + rng.uniform(0, 0.3)
                heapq.heappush(events, (answer, next(order), "answer", request))
        else:
            answers += 1
            limiter.release("k", tickets.pop(request))
            for again in waiting:
                heapq.heappush(events, (clock.now, next(order), "try", again))
            waiting.clear()

    assert sends == answers == 300
    arrivals.sort()
    busiest = max(
        sum(1 for other in arrivals[i:] if other < start + 1.0) for i, start in enumerate(arrivals)
    )
    assert busiest <= 10
    assert busiest == 10  # and the rate is used, not wasted


def test_a_hold_stops_the_key_until_it_ends(clock):
    limiter = SlidingWindowLimiter(10, clock=clock)
    limiter.hold("k", 4.0)
    assert limiter.held("k") and limiter.held_for("k") == pytest.approx(4.0)
    assert limiter.try_acquire("k") == (None, pytest.approx(4.0))
    assert limiter.acquire("k", skip_if_held=True) is None  # gives up instead of sleeping
    assert limiter.try_acquire("other key")[0] is not None

    limiter.hold("k", 1.0)  # a shorter hold does not shorten the longer one
    clock.now += 3.9
    assert limiter.held_for("k") == pytest.approx(0.1)
    clock.now += 0.2
    assert not limiter.held("k")
    assert limiter.acquire("k", skip_if_held=True) is not None


def test_a_place_is_given_back_when_the_request_fails(clock):
    limiter = SlidingWindowLimiter(1, window=1.0, margin=0.0, clock=clock)
    with pytest.raises(ConnectionError), limiter.slot("k"):
        raise ConnectionError
    assert limiter.try_acquire("k") == (None, pytest.approx(1.0))
    clock.now += 1.0
    assert limiter.try_acquire("k")[0] is not None
