"""store.agree and `pressmark agree`: the statistics against published worked examples and the
`krippendorff` package (a test-only reference implementation), the "seen" definition, disagreements."""
from __future__ import annotations

import json
import math
import random

import krippendorff
import numpy as np
import pytest
from conftest import REAL_ARTICLES

from store.agree import (
    ADJUDICATED,
    agreement,
    cohen_kappa,
    default_annotators,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
    seen_articles,
)
from store.annotate import set_note, set_tag
from store.db import StoreError


def reference_alpha(units: list[list], domain: list | None = None) -> float:
    """The krippendorff package on the same data: coders as rows, values coded as numbers, NaN missing."""
    values = sorted({v for u in units for v in u if v is not None}, key=repr)
    code = {v: float(i) for i, v in enumerate(values)}
    data = np.array([[code[u[c]] if u[c] is not None else np.nan for u in units] for c in range(len(units[0]))])
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


# --------------------------------------------------------------------------- published worked examples


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania. Section C: nominal data, four observers, twelve units,
# missing values. Published result: alpha = 0.743.
KRIPPENDORFF_2011_C = [
    # A     B     C     D      (one row per unit)
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, 3, None, None],
]

# Same source, section A: binary data, two observers, ten units, no missing values.
# Published result: alpha = 1 - (n-1) * o01 / (n0 * n1) = 1 - 19 * 4 / (14 * 6) = 0.095.
KRIPPENDORFF_2011_A = list(zip([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]))


def test_krippendorff_2011_nominal_example_with_missing_values():
    alpha = krippendorff_alpha(KRIPPENDORFF_2011_C)
    assert round(alpha, 3) == 0.743  # the published figure
    # By hand, as in the paper: 40 pairable values; n_c = 9, 13, 10, 5, 3 for values 1..5. Disagreeing
    # coincidences sum_{c!=k} o_ck: unit 2 {2,2,3,2} gives 2*3*1/3 = 2, unit 6 {1,2,3,4} gives 12/3 = 4,
    # unit 8 {1,1,2,1} gives 2 -> 8. alpha = 1 - (n-1) * 8 / (n^2 - sum n_c^2) = 1 - 39 * 8 / 1216.
    n_c = {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}
    n = sum(n_c.values())
    assert n == 40
    assert alpha == pytest.approx(1 - (n - 1) * 8 / (n * n - sum(v * v for v in n_c.values())))
    assert alpha == pytest.approx(reference_alpha(KRIPPENDORFF_2011_C))


def test_krippendorff_2011_binary_example():
    alpha = krippendorff_alpha(KRIPPENDORFF_2011_A)
    assert alpha == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(alpha, 3) == 0.095
    assert alpha == pytest.approx(reference_alpha([list(u) for u in KRIPPENDORFF_2011_A]))


def test_cohen_kappa_wikipedia_worked_example():
    # Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, two readers.
    # Both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    p_o = (20 + 15) / 50  # 0.7
    p_e = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)  # 0.3 + 0.2 = 0.5
    assert cohen_kappa(pairs) == pytest.approx((p_o - p_e) / (1 - p_e))
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_cohen_1960_table_1():
    # Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological
    # Measurement 20(1), 37-46. Table 1: proportions for 200 cases, three categories; p_o = .70,
    # p_c = .41, kappa = .49. The matrix below is those proportions times 200.
    matrix = [[88, 14, 18],
              [10, 40, 10],
              [2, 6, 12]]
    pairs = [(i, j) for i, row in enumerate(matrix) for j, count in enumerate(row) for _ in range(count)]
    assert len(pairs) == 200
    p_o = (88 + 40 + 12) / 200
    rows = [sum(r) / 200 for r in matrix]  # .60 .30 .10
    cols = [sum(r[j] for r in matrix) / 200 for j in range(3)]  # .50 .30 .20
    p_c = sum(r * c for r, c in zip(rows, cols))
    assert (round(p_o, 2), round(p_c, 2)) == (0.70, 0.41)
    assert cohen_kappa(pairs) == pytest.approx((p_o - p_c) / (1 - p_c))
    assert round(cohen_kappa(pairs), 2) == 0.49


# --------------------------------------------------------------------------- against the reference package


@pytest.mark.parametrize("seed", range(12))
def test_alpha_matches_the_krippendorff_package_on_random_data(seed):
    rng = random.Random(seed)
    coders = rng.randint(2, 5)
    categories = rng.choice([[False, True], ["a", "b", "c"], [(), ("finding",), ("finding", "response")]])
    missing = rng.choice([0.0, 0.2])
    units = []
    for _ in range(rng.randint(10, 60)):
        truth = rng.choice(categories)
        unit = [truth if rng.random() < 0.7 else rng.choice(categories) for _ in range(coders)]
        units.append([None if rng.random() < missing else v for v in unit])
    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    if len({v for u in pairable for v in u if v is not None}) < 2:
        pytest.skip("no variation drawn")
    assert krippendorff_alpha(units) == pytest.approx(reference_alpha(units), abs=1e-12)


def test_two_coder_alpha_and_kappa_agree_in_the_limit():
    # With many units, alpha tends to Scott's pi, which equals kappa when both coders' marginals match.
    units = [(0, 0)] * 400 + [(1, 1)] * 400 + [(0, 1)] * 100 + [(1, 0)] * 100
    assert krippendorff_alpha(units) == pytest.approx(cohen_kappa(units), abs=1e-3)
    assert percent_agreement(units) == pytest.approx(0.8)


def test_percent_agreement_by_hand():
    assert percent_agreement([(1, 1, 1), (1, 2, 1), (2, 2, 2), (1, None, 1)]) == pytest.approx(3 / 4)
    assert percent_agreement([(1, None)]) is None


def test_degenerate_cases_are_none_not_errors():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a")] * 5) is None  # p_e = 1
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([(1, 1), (1, 1)]) is None  # one value only
    assert krippendorff_alpha([(1, None), (None, 2)]) is None  # nothing pairable
    with pytest.raises(ValueError):  # the reference refuses the same data
        krippendorff.alpha(reliability_data=[[1, 1], [1, 1]], level_of_measurement="nominal")
    # Perfect agreement with variation is 1, and kappa of total disagreement on two values is -1.
    assert krippendorff_alpha([(1, 1), (2, 2)]) == 1.0
    assert cohen_kappa([(0, 1), (1, 0)]) == pytest.approx(-1.0)


# --------------------------------------------------------------------------- from the database


@pytest.fixture
def coded(db, article_ids):
    """Three coders on both real articles; carol never opens the second one."""
    first, second = (article_ids[f] for f in REAL_ARTICLES)
    plan = {
        "alice": [(first, 1, "finding"), (first, 2, "finding"), (first, 3, "response"), (first, 4, "commitment"),
                  (second, 1, "finding")],
        "bob": [(first, 1, "finding"), (first, 2, "response"), (first, 3, "response"), (first, 5, "commitment"),
                (second, 1, "finding"), (second, 2, "response")],
        "carol": [(first, 1, "finding"), (first, 2, "finding"), (first, 2, "response")],
        ADJUDICATED: [(first, 1, "finding")],
    }
    for coder, items in plan.items():
        for aid, n, tag in items:
            set_tag(db, aid, n, tag, coder)
    set_note(db, second, 7, "nothing else here", "bob")  # a note marks an article seen
    return first, second


def units_from(db, coders, articles, tag=None):
    """Independent construction of the reliability data: one row per sentence, one value per coder."""
    units = []
    for aid in articles:
        count = db.conn.execute("SELECT n_sentences FROM articles WHERE id = ?", (aid,)).fetchone()[0]
        for n in range(1, count + 1):
            unit = []
            for c in coders:
                tags = {t for (t,) in db.conn.execute(
                    "SELECT tag FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ?"
                    " AND tag IS NOT NULL AND status = 'ok'", (aid, n, c))}
                unit.append(tag in tags if tag else tuple(sorted(tags)))
            units.append(unit)
    return units


def test_seen_means_every_compared_coder_annotated_the_article(db, coded):
    first, second = coded
    assert seen_articles(db, ["alice", "bob"]) == sorted([first, second])
    assert seen_articles(db, ["alice", "bob", "carol"]) == [first]
    assert default_annotators(db) == ["alice", "bob", "carol"]  # 'adjudicated' is not a coder


def test_figures_match_the_reference_on_database_data(db, coded):
    first, second = coded
    report = agreement(db, ["alice", "bob"])
    n_units = sum(db.conn.execute("SELECT n_sentences FROM articles WHERE id = ?", (a,)).fetchone()[0]
                  for a in (first, second))
    assert report.units == n_units and len(report.articles) == 2
    for result in report.tags:
        units = units_from(db, ["alice", "bob"], [first, second], result.tag)
        assert result.units == len(units)
        assert result.alpha == pytest.approx(reference_alpha(units))
        assert result.pairs[0].kappa == pytest.approx(cohen_kappa(units))
        assert result.percent == pytest.approx(sum(a == b for a, b in units) / len(units))
        assert result.counts == {"alice": sum(a for a, _ in units), "bob": sum(b for _, b in units)}
    overall = units_from(db, ["alice", "bob"], [first, second])
    assert report.overall.alpha == pytest.approx(reference_alpha(overall))
    assert report.overall.agree == sum(a == b for a, b in overall)


def test_three_coders_pairs_and_alpha(db, coded):
    first, _ = coded
    report = agreement(db)  # alice, bob, carol: only the first article is seen by all three
    assert report.annotators == ["alice", "bob", "carol"]
    assert [(p.a, p.b) for p in report.overall.pairs] == [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]
    for result in [*report.tags, report.overall]:
        units = units_from(db, report.annotators, [first], result.tag)
        assert result.alpha == pytest.approx(reference_alpha(units))
        for pair in result.pairs:
            i, j = report.annotators.index(pair.a), report.annotators.index(pair.b)
            assert pair.kappa == pytest.approx(cohen_kappa([(u[i], u[j]) for u in units]))
        assert result.agree == sum(len(set(u)) == 1 for u in units)


def test_no_variation_gives_null_not_a_crash(db, article_ids):
    aid = article_ids[REAL_ARTICLES[0]]
    for coder in ("alice", "bob"):
        set_tag(db, aid, 1, "finding", coder)
    report = agreement(db)
    response = next(r for r in report.tags if r.tag == "response")
    assert response.alpha is None and response.pairs[0].kappa is None and response.percent == 1.0
    finding = next(r for r in report.tags if r.tag == "finding")
    assert finding.alpha == 1.0 and finding.pairs[0].kappa == 1.0


def test_disagreements_list_each_coders_tags(db, coded):
    first, second = coded
    found = disagreements(db, ["alice", "bob"])
    assert [(d.article_id, d.sentence) for d in found] == sorted(
        [(first, 2), (first, 4), (first, 5), (second, 2)], key=lambda k: (REAL_ARTICLES.index(
            next(f for f, a in db.conn.execute("SELECT file, id FROM articles") if a == k[0])), k[1]))
    d = next(d for d in found if (d.article_id, d.sentence) == (first, 2))
    assert d.tags == {"alice": ("finding",), "bob": ("response",)}
    assert d.text and d.file == REAL_ARTICLES[0]
    only_commitment = disagreements(db, ["alice", "bob"], tag="commitment")
    assert {(d.article_id, d.sentence) for d in only_commitment} == {(first, 4), (first, 5)}
    assert disagreements(db, ["alice", "bob"], tag="finding") == [d for d in found if d.sentence == 2
                                                                   and d.article_id == first]


def test_a_disagreement_carries_its_final_tags_once_adjudicated(db, coded):
    first, _ = coded
    assert all(d.adjudicated is None for d in disagreements(db, ["alice", "bob"]))
    set_tag(db, first, 2, "response", ADJUDICATED)
    set_tag(db, first, 2, "finding", ADJUDICATED)
    settled = {(d.article_id, d.sentence): d.adjudicated for d in disagreements(db, ["alice", "bob"])}
    assert settled[first, 2] == ("finding", "response")  # codebook order
    assert sum(v is not None for v in settled.values()) == 1


def test_errors(db, coded):
    with pytest.raises(StoreError, match="at least two"):
        agreement(db, ["alice"])
    with pytest.raises(StoreError, match="no annotations by zed"):
        agreement(db, ["alice", "zed"])
    with pytest.raises(StoreError, match="unknown tag"):
        agreement(db, ["alice", "bob"], tag="nope")


def test_a_single_coder_database_says_so(db, article_ids):
    set_tag(db, article_ids[REAL_ARTICLES[0]], 1, "finding", "alice")
    with pytest.raises(StoreError, match="two coders"):
        agreement(db)


def test_json_is_null_for_undefined(db, coded):
    data = json.loads(json.dumps(agreement(db, ["alice", "carol"], tag="commitment").to_dict()))
    (result,) = data["tags"]
    assert result["tag"] == "commitment" and data["overall"] is None
    assert result["alpha"] is not None and not math.isnan(result["alpha"])


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_coded(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    for coder, n, tag in [("alice", 1, "finding"), ("alice", 2, "response"), ("bob", 1, "finding"),
                          ("bob", 3, "commitment"), (ADJUDICATED, 1, "finding")]:
        assert run_cli("--annotator", coder, "tag", REAL_ARTICLES[0], n, tag).code == 0
    return run_cli


def test_cli_agree_table(cli_coded):
    result = cli_coded("agree")
    assert result.code == 0, result.err
    assert "2 coders (alice, bob)" in result.out
    for word in ("finding", "response", "commitment", "(overall)", "alice / bob"):
        assert word in result.out
    assert "Traceback" not in result.err


def test_cli_says_n_a_for_undefined(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    for coder in ("alice", "bob"):
        assert run_cli("--annotator", coder, "tag", REAL_ARTICLES[0], 1, "finding").code == 0
    result = run_cli("agree")
    assert result.code == 0, result.err
    response = next(line for line in result.out.splitlines() if line.startswith("response"))
    assert "n/a" in response
    data = json.loads(run_cli("agree", "--format", "json").out)
    response = next(t for t in data["tags"] if t["tag"] == "response")
    assert response["alpha"] is None and response["pairs"][0]["kappa"] is None


def test_cli_agree_json_and_disagreements(cli_coded):
    result = cli_coded("agree", "--annotators", "alice,bob", "--format", "json", "--disagreements")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["annotators"] == ["alice", "bob"]
    finding = next(t for t in data["tags"] if t["tag"] == "finding")
    assert finding["alpha"] == 1.0 and finding["pairs"][0]["kappa"] == 1.0
    assert [(d["sentence"], d["tags"]) for d in data["disagreements"]] == [
        (2, {"alice": ["response"], "bob": []}), (3, {"alice": [], "bob": ["commitment"]})]


def test_cli_agree_errors(cli_coded):
    result = cli_coded("agree", "--annotators", "alice")
    assert result.code == 1 and "at least two" in result.err
    result = cli_coded("agree", "--tag", "nope")
    assert result.code == 1 and "unknown tag" in result.err
    result = cli_coded("agree", "--annotators", f"alice,{ADJUDICATED}", "--tag", "finding")
    assert result.code == 0, result.err
