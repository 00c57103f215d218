"""The public corpus of real directives (../shared/corpus): documents that assign nothing stay without
tasks, and the share of required tasks found does not fall back. The figures per document are printed by
benchmarks/import_accuracy.py; this only guards them."""

from datetime import date

import pytest

from tests.builders import EXAMPLE_WARD_FILE
from tests.corpus_scoring import score_corpus
from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.text import clean_text


@pytest.fixture(scope="module")
def scores(shared_dir):
    corpus = shared_dir / "corpus"
    if not (corpus / "gold").is_dir():
        pytest.fail(f"the corpus is not at {corpus}")
    units = UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))
    return score_corpus(corpus, units=units, today=date(2026, 11, 23))


def test_no_task_is_invented_on_a_document_that_assigns_nothing(scores):
    negatives = [s for s in scores if s.kind == "negative"]
    assert negatives, "the corpus has negative documents"
    assert {s.name: s.extras for s in negatives if s.false_on_negative} == {}


def test_most_required_tasks_are_found_with_their_owner(scores):
    # A floor under the measured figures (0.90 recall, every matched owner right when this was written),
    # so that a rule made for one document cannot quietly break the others.
    required = sum(s.required for s in scores)
    found = sum(s.matched for s in scores)
    assert found / required >= 0.85
    assert sum(s.owners for s in scores) / found >= 0.95


def test_few_tasks_are_false_on_documents_with_assignments(scores):
    predicted = sum(s.predicted for s in scores)
    true = sum(s.matched + s.matched_optional for s in scores)
    assert true / predicted >= 0.9


@pytest.mark.parametrize("seed", ["001_d70c0e7883a5997b", "003_e2b9a9a87e49d75e"])
def test_the_wards_monthly_reports_assign_nothing(shared_dir, seed):
    # Regression: report lines such as "Theo Kế hoạch thành phố giao: Đã giải ngân ..." and "Chỉ đạo thực
    # hiện các nhiệm vụ theo kế hoạch năm học: ..." were read as lead-ins and gave dozens of false tasks.
    units = UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))
    text = clean_text((shared_dir / "seeds" / f"{seed}.txt").read_text(encoding="utf-8"))
    parsed = parse_document(text, units=units, today=date(2026, 11, 23))
    assert (parsed.kind, parsed.tasks) == ("other", [])
