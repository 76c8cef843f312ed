"""[Prioritised review] CAL, the AutoTAR schedule, the knee and target stopping rules, replayed on a
generated collection (the Reuters-21578 figures come from bench/tar_eval.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lpo.tar.cal import CAL, next_batch_size
from lpo.tar.features import featurize
from lpo.tar.simulate import simulate_cal
from lpo.tar.stopping import knee, knee_should_stop, target_size

TOPIC = "surcharge tariff invoice steel pricing clause amendment dispute supplier penalty".split()
OTHER = ("lunch meeting schedule football weather holiday parking printer coffee birthday travel badge "
         "training payroll laptop password webinar newsletter garden concert").split()


def collection(n: int = 1000, relevant: int = 50, seed: int = 3) -> tuple[list[str], np.ndarray]:
    """n short documents, `relevant` of them about a topic; both kinds share the common words."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=bool)
    y[rng.choice(n, relevant, replace=False)] = True
    texts = []
    for rel in y:
        words = list(rng.choice(OTHER, 25))
        if rel:
            words += list(rng.choice(TOPIC, 6))
        else:  # a few topic words in ordinary mail too: the ranking must weigh, not match
            words += list(rng.choice(TOPIC, rng.integers(0, 2)))
        rng.shuffle(words)
        texts.append(" ".join(words))
    return texts, y


def test_autotar_schedule_grows_by_a_tenth():
    sizes = [1]
    for _ in range(14):
        sizes.append(next_batch_size(sizes[-1]))
    assert sizes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19]
    assert next_batch_size(100) == 110


def test_cal_finds_the_topic_long_before_random_order():
    texts, y = collection()
    X = featurize(texts)
    seed = int(np.flatnonzero(y)[0])
    sim = simulate_cal(X, y, seed_docs=[seed], random_state=1, stop_rule="none")
    at80 = sim.reviewed_at_recall(0.8)
    assert at80 is not None and at80 <= 3 * y.sum()  # random order needs ~80% of 1,000
    assert sim.order[0] == seed and len(set(sim.order)) == len(sim.order)
    again = simulate_cal(X, y, seed_docs=[seed], random_state=1, stop_rule="none")
    assert again.order == sim.order  # replayable


def test_cal_ranks_from_a_seed_query_before_anything_is_coded():
    texts, y = collection()
    X = featurize(texts)
    cal = CAL(X, random_state=0, query=featurize([" ".join(TOPIC)] + texts)[:1])
    top = cal.ranking()[:50]
    assert y[top].mean() > 0.5  # the collection is 5% responsive


def test_cal_refuses_to_train_on_one_class():
    texts, y = collection(n=50, relevant=5)
    cal = CAL(featurize(texts), presumed_negatives=0)
    cal.code({int(i): True for i in np.flatnonzero(y)})
    with pytest.raises(ValueError, match="one not-responsive"):
        cal.model()


def test_knee_rule_stops_on_a_flat_tail_not_on_a_straight_line():
    steep = list(np.minimum(np.arange(1, 401), 100))           # 100 found in the first 100, none after
    assert knee(steep) == 100 and knee_should_stop(steep)
    straight = list(np.arange(1, 401) // 4)                     # one in four all the way: no knee
    assert not knee_should_stop(straight)
    assert not knee_should_stop(steep[:120])                    # fewer than 150 reviewed
    assert not knee_should_stop([0] * 300)


def test_target_size_gives_the_recall_guarantee():
    assert target_size(0.8, 0.95) == 14 and target_size(0.7, 0.95) == 9
    k = target_size(0.8, 0.95)
    assert 0.8**k <= 0.05 < 0.8 ** (k - 1)


def test_stopping_rules_stop_with_high_recall_on_the_generated_collection():
    texts, y = collection(n=2000, relevant=80, seed=5)
    X = featurize(texts)
    seed = int(np.flatnonzero(y)[3])
    knee_run = simulate_cal(X, y, seed_docs=[seed], random_state=2, stop_rule="knee")
    assert knee_run.stopped_at is not None and knee_run.recall_at_stop >= 0.8
    assert knee_run.stopped_at < len(y) / 2
    target_run = simulate_cal(X, y, seed_docs=[seed], random_state=2, stop_rule="target")
    assert target_run.extra_cost >= target_size(0.8, 0.95)  # the random target sample is paid for
    assert target_run.stopped_at is not None and target_run.recall_at_stop >= 0.8
