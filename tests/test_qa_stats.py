"""[Attorney QA] statistics against published values, and the seeded, stratified samples."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from lpo.cli import app
from lpo.matter import QAConfig
from lpo.models import Privilege, ReviewDecision, Stage
from lpo.qa.sampling import allocate, draw_sample, population_hash, stratified_sample
from lpo.qa.stats import accept_on_zero, recall_from_elusion, sample_size, wilson

runner = CliRunner()


@pytest.mark.parametrize(("confidence", "margin", "population", "n"), [
    (0.95, 0.05, None, 385),     # the sample size every e-discovery protocol quotes
    (0.95, 0.05, 10_000, 370),   # with the finite-population correction
    (0.95, 0.02, None, 2401),
    (0.99, 0.05, None, 664),
    (0.95, 0.05, 100, 80),
])
def test_sample_size_matches_published_values(confidence, margin, population, n):
    assert sample_size(confidence, margin, population) == n


@pytest.mark.parametrize(("confidence", "rate", "n"), [(0.95, 0.05, 59), (0.99, 0.01, 459), (0.95, 0.01, 299),
                                                       (0.90, 0.10, 22)])
def test_accept_on_zero_matches_published_values(confidence, rate, n):
    assert accept_on_zero(confidence, rate) == n


@pytest.mark.parametrize(("population", "rate"), [(50, 0.05), (50, 0.15), (1000, 0.05), (400, 0.02)])
def test_accept_on_zero_with_a_population_is_the_smallest_hypergeometric_plan(population, rate):
    """Zero errors in n shows fewer than ceil(R N) errors at 95%; n - 1 would not."""
    n = accept_on_zero(0.95, rate, population)
    defects = math.ceil(rate * population)

    def p_zero(m: int) -> float:
        return math.comb(population - defects, m) / math.comb(population, m)
    assert p_zero(n) <= 0.05 < p_zero(n - 1)
    assert n <= accept_on_zero(0.95, rate)  # a finite population never needs more


@pytest.mark.parametrize(("k", "n", "lower", "upper"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction).
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe(k, n, lower, upper):
    i = wilson(k, n, 0.95)
    assert (round(i.lower, 4), round(i.upper, 4)) == (lower, upper)


def test_finite_population_narrows_the_interval_and_a_census_is_exact():
    wide, narrow = wilson(2, 40, 0.95), wilson(2, 40, 0.95, population=50)
    assert narrow.lower > wide.lower and narrow.upper < wide.upper
    assert wilson(2, 40, 0.95, population=10**9).upper == pytest.approx(wide.upper, abs=1e-6)
    census = wilson(3, 50, 0.95, population=50)
    assert census.lower == census.upper == census.rate == 0.06
    assert wilson(0, 0).rate is None and not wilson(0, 0).below(0.5)
    with pytest.raises(ValueError, match="population of 10"):
        wilson(1, 20, 0.95, population=10)


def test_recall_interval_follows_the_elusion_interval():
    e = wilson(2, 100, 0.95, population=1000)
    r = recall_from_elusion(found=180, null_set=1000, elusion=e)
    assert r.estimated_missed == pytest.approx(20.0)
    assert r.recall == pytest.approx(0.9)
    assert r.lower == pytest.approx(180 / (180 + e.upper * 1000)) and r.upper == pytest.approx(180 / (180 + e.lower * 1000))


def test_cli_prints_the_numbers():
    assert runner.invoke(app, ["qa", "sample-size", "--confidence", "0.95", "--margin", "0.05"]).stdout.strip() == "385"
    r = runner.invoke(app, ["qa", "sample-size", "--confidence", "0.95", "--margin", "0.05", "--population", "10000"])
    assert r.stdout.strip() == "370"
    r = runner.invoke(app, ["qa", "accept-on-zero", "--confidence", "0.95", "--max-rate", "0.05"])
    assert r.stdout.strip() == "59"
    bad = runner.invoke(app, ["qa", "sample-size", "--confidence", "95", "--margin", "0.05"])
    assert bad.exit_code == 2 and "between 0 and 1" in bad.output


def test_allocation_is_proportional_and_every_reviewer_is_sampled():
    assert allocate({"a": 40, "b": 10}, 33) == {"a": 26, "b": 7}
    assert allocate({"a": 49, "b": 1}, 33) == {"a": 32, "b": 1}
    assert sum(allocate({"a": 3, "b": 2, "c": 1}, 2).values()) == 2
    assert allocate({"a": 5, "b": 0}, 9) == {"a": 5, "b": 0}


def _decision(cn: str, reviewer: str, batch: str, privilege: Privilege = Privilege.not_privileged) -> ReviewDecision:
    return ReviewDecision(control_number=cn, stage=Stage.first_pass, reviewer=reviewer,
                          decided_at=datetime(2026, 1, 1, tzinfo=timezone.utc), responsive=True, privilege=privilege,
                          site="s", project_id=1, task_id=int(cn[1:]), annotation_id=int(cn[1:]), batch=batch)


def test_stratified_sample_is_reproducible_per_stratum_and_keeps_the_census_apart():
    decs = {"B1": [_decision(f"D{i:03d}", "r1" if i < 30 else "r2", "B1",
                             Privilege.attorney_client if i % 7 == 0 else Privilege.not_privileged) for i in range(40)],
            "B2": [_decision(f"D{i:03d}", "r2", "B2") for i in range(40, 100)]}
    qa = QAConfig(confidence=0.95, margin=0.10, all_privileged=True)
    strata, census = stratified_sample(decs, qa, seed=7)
    assert [(s.batch, s.reviewer, s.population) for s in strata] == [("B1", "r1", 30), ("B1", "r2", 10),
                                                                       ("B2", "r2", 60)]
    assert sum(s.size for s in strata if s.batch == "B1") == sample_size(0.95, 0.10, 40)
    assert strata[2].size == sample_size(0.95, 0.10, 60)
    again, census2 = stratified_sample(decs, qa, seed=7)
    assert again == strata and census2 == census
    other, _ = stratified_sample(decs, qa, seed=8)
    assert [s.control_numbers for s in other] != [s.control_numbers for s in strata]
    # A stratum is drawn again from its own seed and population alone.
    s = strata[0]
    assert draw_sample([d.control_number for d in decs["B1"] if d.reviewer == "r1"], s.size, s.seed) == \
        s.control_numbers
    drawn = {cn for st in strata for cn in st.control_numbers}
    priv = {d.control_number for d in decs["B1"] if d.privilege is Privilege.attorney_client}
    assert set(census) == priv - drawn and census
    assert stratified_sample(decs, qa.model_copy(update={"all_privileged": False}), seed=7)[1] == []
    # accept_on_zero plans size each batch for the threshold instead of a margin
    aoz, _ = stratified_sample(decs, qa.model_copy(update={"plan": "accept_on_zero", "threshold": 0.05}), seed=7)
    assert sum(st.size for st in aoz if st.batch == "B2") == accept_on_zero(0.95, 0.05, 60)
    assert population_hash(["b", "a"]) == population_hash(["a", "b"]) != population_hash(["a"])
