"""The task search behind the web console's list and its export (tracker.usecases.task_search): the database
sorts and cuts the page, the words typed without diacritics and the sort by title compare folded text, and
both ways give the same orders."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from builders import make_ward, person, unit
from sqlalchemy import event
from sqlmodel import Session, select

from tracker.models import Task
from tracker.usecases import TaskDraft, cancel_task
from tracker.usecases.task_search import PAGE_SIZE, TaskFilter, fold, fold_each, search_tasks
from tracker.usecases.tasks import create_tasks

TOPICS = ("Ân xá", "an toàn thực phẩm", "Đường ngõ 5", "dọn vệ sinh", "Ấp chiến lược", "Ô nhiễm", "ốc vít",
          "Rà soát “hộ nghèo” – đợt 2", "ΩΜΈΓΑ tài liệu", "tổ dân phố")


@pytest.fixture
def ward(session, clock) -> int:
    """The example ward with 130 tasks of two units: due dates spread out, some without, one cancelled."""
    org = make_ward(session, clock)
    rng = random.Random(7)
    units = [unit(session, org, "vhxh").id, unit(session, org, "kthtdt").id]
    start = clock.now().date()
    drafts = [TaskDraft(title=f"{TOPICS[n % len(TOPICS)]} số {n}", owner_unit_id=rng.choice(units),
                        due_on=None if n % 9 == 0 else start + timedelta(days=rng.randint(-60, 60)),
                        expected_output="Báo cáo chung")
              for n in range(130)]
    clerk = person(session, org, "van-thu")
    tasks = create_tasks(session, clock=clock, actor=clerk, drafts=drafts)
    cancel_task(session, clock=clock, actor=clerk, task_id=tasks[1].id, reason="Trùng")
    session.commit()
    return org


def every_page(session: Session, org: int, day: date, wanted: TaskFilter) -> list[int]:
    found = search_tasks(session, actor=person(session, org, "van-thu"), day=day, wanted=wanted)
    ids = [t.id for t in found.tasks]
    for page in range(2, found.pages + 1):
        more = search_tasks(session, actor=person(session, org, "van-thu"), day=day,
                            wanted=replace(wanted, page=page))
        ids += [t.id for t in more.tasks]
    return ids


@pytest.mark.parametrize("sort", ["due", "newest", "unit", "title"])
def test_each_sort_gives_the_same_order_with_words_and_without(session, clock, ward, sort):
    day = clock.now().date()
    plain = every_page(session, ward, day, TaskFilter(sort=sort))
    worded = every_page(session, ward, day, TaskFilter(sort=sort, words="bao cao chung"))
    tasks = {t.id: t for t in session.exec(select(Task))}
    assert len(plain) == 129 and plain == worded
    keys = {"due": lambda i: (tasks[i].due_on is None, tasks[i].due_on or date.max, i), "newest": lambda i: -i,
            "unit": lambda i: (tasks[i].owner_unit_id, tasks[i].due_on is None, tasks[i].due_on or date.max, i),
            "title": lambda i: (fold(tasks[i].title), i)}
    assert plain == sorted(plain, key=keys[sort])


def test_a_page_holds_fifty_tasks_and_a_page_past_the_end_shows_the_last(session, clock, ward):
    clerk = person(session, ward, "van-thu")
    day = clock.now().date()
    first = search_tasks(session, actor=clerk, day=day, wanted=TaskFilter())
    beyond = search_tasks(session, actor=clerk, day=day, wanted=TaskFilter(page=9))
    everything = search_tasks(session, actor=clerk, day=day, wanted=TaskFilter(), page_size=None)
    assert (first.total, first.pages, len(first.tasks)) == (129, 3, PAGE_SIZE)
    assert (beyond.page, len(beyond.tasks)) == (3, 29)
    assert [t.id for t in everything.tasks] == every_page(session, ward, day, TaskFilter())
    assert all(t.due_on is None for t in beyond.tasks[-14:])  # no due date last


def test_a_page_of_the_list_loads_only_the_tasks_it_shows(engine, session, clock, ward):
    # Why: the list loaded every task of the ward whole and cut the page afterwards; a ward of 10,000 tasks
    # took 0.4 s for each page of the console's Nhiệm vụ list (benchmarks/web.py).
    for wanted in (TaskFilter(), TaskFilter(words="so"), TaskFilter(sort="title", page=2)):
        shown, loaded = search_counting_loads(engine, ward, clock.now().date(), wanted)
        assert len(shown) == PAGE_SIZE and sorted(loaded) == sorted(shown)


def search_counting_loads(engine, org: int, day: date, wanted: TaskFilter) -> tuple[list[int], list[int]]:
    """The ids of the tasks a search gives, and of every task it loaded whole from the database."""
    loaded: list[int] = []
    with Session(engine) as fresh:
        event.listen(fresh, "loaded_as_persistent",
                     lambda _session, row: loaded.append(row.id) if isinstance(row, Task) else None)
        found = search_tasks(fresh, actor=person(fresh, org, "van-thu"), day=day, wanted=wanted)
        return [t.id for t in found.tasks], loaded


def test_words_without_diacritics_find_tasks_whatever_their_punctuation_or_script(session, clock, ward):
    clerk = person(session, ward, "van-thu")
    day = clock.now().date()

    def titles(words: str) -> set[str]:
        found = search_tasks(session, actor=clerk, day=day, wanted=TaskFilter(words=words), page_size=None)
        return {t.title.split(" số ")[0] for t in found.tasks}

    assert titles("ho ngheo") == titles("HỘ  NGHÈO") == {"Rà soát “hộ nghèo” – đợt 2"}
    assert titles("dot 2") == {"Rà soát “hộ nghèo” – đợt 2"}
    assert titles("duong ngo") == {"Đường ngõ 5"}
    assert titles("an") >= {"Ân xá", "an toàn thực phẩm"} and "Ấp chiến lược" not in titles("an")
    assert titles("ωμεγα tai lieu") == {"ΩΜΈΓΑ tài liệu"}


def test_folding_many_texts_at_once_gives_what_folding_each_gives():
    texts = ["Rà soát “hộ nghèo” – đợt 2", "", "  Đường\tngõ  5 ", "ΩΜΈΓΑ", "e\u0323\u0302 o\u031b", "a\x00b",
             "İstanbul", "한국어", "x\u034fy", "\x00"]
    expected = [" ".join("".join(c for c in unicodedata.normalize("NFD", t.lower().replace("đ", "d"))
                                 if not unicodedata.combining(c)).split()) for t in texts]
    assert [fold(t) for t in texts] == expected
    assert fold_each(texts) == expected and fold_each(texts[:4] + texts[6:9]) == expected[:4] + expected[6:9]
