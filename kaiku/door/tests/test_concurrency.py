import threading

import pytest
from django.db import connection

from kaiku.door import codes
from kaiku.door import services as door
from kaiku.visits.models import Use


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_records_each_use_once(world):
    items = [
        door.SyncItem(key=f"twice-{i}", text=codes.card_code(card), offline=True)
        for i, card in enumerate([world.card_a, world.card_b] * 10)
    ]
    answers: list[list[dict]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def send() -> None:
        try:
            start.wait()
            answers.append(door.sync(world.venue_a, items))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Use.objects.count() == len(items)
    first, second = answers
    assert [r["use"] for r in first] == [r["use"] for r in second]
    assert sum(r["created"] for r in first + second) == len(items)
