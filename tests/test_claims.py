"""demos.claims: every rule can pass and fail, plausible_draw on known distributions, the scoreboard."""

import numpy as np
import pytest
from claims_check import perturbed_past

from demos.claims import (
    Claims,
    band,
    beats_baseline,
    exact,
    holds,
    make_row,
    not_comparable,
    permutation_p,
    plausible_draw,
    ratio,
    relative,
    scoreboard,
    sign_test_p,
    significant,
    verdict_of,
)

PASSING = [
    (exact(), 734, 734),
    (relative(0.05), 9000, 8799),
    (ratio(1.5), 600, 640),
    (band(0.8, 1.2), 1.0, 1.019),
    (band(None, 1e-6), None, 1e-9),
    (holds("the order is the document's"), True, True),
    (beats_baseline(0.811, "an all-outside picture"), None, 0.95),
    (beats_baseline(6.36, "predict the mean", better="lower"), None, 3.0),
    (significant(0.01, "sign test"), None, 8),
]


def row(rule, document_value, measured):
    return make_row("t.x", "000", "section 1", "a sentence", "a quantity", "", document_value, rule, measured)


@pytest.mark.parametrize("rule, document_value, measured", PASSING)
def test_each_rule_passes_and_fails(rule, document_value, measured):
    passing = row(rule, document_value, measured)
    assert passing["verdict"] == "reproduced"
    assert verdict_of(perturbed_past(passing)) == "differs"


@pytest.mark.parametrize(
    "rule, document_value, measured",
    [
        (exact(), 734, 735),
        (relative(0.05), 9000, 9500),
        (ratio(1.5), 600, 300),
        (band(0.8, 1.2), 1.0, 0.7),
        (holds("x"), True, False),
        (beats_baseline(0.811, "all outside"), None, 0.785),
        (relative(0.05), 9000, None),  # nothing measured (no onset in the run)
        (significant(0.15, "permutation test"), None, 0.19),
    ],
)
def test_each_rule_differs_outside(rule, document_value, measured):
    assert row(rule, document_value, measured)["verdict"] == "differs"


def test_plausible_draw_on_synthetic_distributions():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.0, 1.0, size=1000)
    rule = plausible_draw(draws)
    lo, hi = rule["interval"]
    assert lo == pytest.approx(-1.645, abs=0.15) and hi == pytest.approx(1.645, abs=0.15)
    assert row(rule, 0.5, float(np.median(draws)))["verdict"] == "reproduced"
    assert row(rule, 2.5, float(np.median(draws)))["verdict"] == "differs"
    assert row(rule, -2.5, float(np.median(draws)))["verdict"] == "differs"
    # a single draw from the same distribution is inside its 5-95% interval about 90% of the time
    inside = np.mean([row(rule, x, 0.0)["verdict"] == "reproduced" for x in rng.normal(0.0, 1.0, size=2000)])
    assert 0.87 < inside < 0.93


def test_plausible_draw_needs_ten_seeds():
    assert row(plausible_draw([1.0, 2.0, 3.0, 4.0, 5.0]), 3.0, 3.0)["verdict"] == "not comparable"
    assert row(plausible_draw(np.arange(10.0)), 4.0, 4.5)["verdict"] == "reproduced"


def test_settings_and_not_comparable_are_never_scored_reproduced():
    assert row(not_comparable("a --quick run"), 1, 1)["verdict"] == "not comparable"
    table = Claims("t", "001")
    table.setting("loss", choice="summed cross-entropy", alternative="the batch mean gives 10%", depends_on=["x"])
    s = table.attach("loss", measured="sum")
    assert s["verdict"] == "not comparable" and s["kind"] == "setting"
    assert perturbed_past(s) is None


def test_scoreboard_one_line_per_document_and_one_beyond():
    rows = [
        row(exact(), 1, 1),
        row(exact(), 1, 2),
        make_row("t.b", "Cohen et al. 2021", "fig 1", "", "x", "", None, holds("p"), True, kind="beyond"),
        declared_table().attach("init", sigma=0.01, other="more"),
    ]
    assert scoreboard(rows) == {
        "000": {"reproduced": 1, "differs": 1, "not comparable": 0},
        "beyond the documents": {"reproduced": 1, "differs": 0, "not comparable": 0},
    }


def test_claim_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        make_row("t.x", "000", "s", "q", "c", "", 1, exact(), 1, kind="finding")


def test_a_value_too_long_for_its_column_is_printed_below_its_row(capsys):
    from demos.claims import COLUMN, print_claims

    long = [(2, 6), (7, 9), (4, 1)]
    print_claims([row(band(1, None), None, 3), row(holds("pairs found"), None, str(long))])
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("document"))
    rows = [line for line in lines if line.endswith(("reproduced", "differs", "not comparable"))]
    assert len(rows) == 2 and all(len(line) <= len(header) + len("not comparable") for line in rows)
    assert f"measured: {long}" in [line.strip() for line in lines]
    assert len(str(long)) > COLUMN


def test_sign_test_is_the_binomial_tail():
    assert sign_test_p(8, 1) == pytest.approx(10 / 512)  # C(9,8) + C(9,9) over 2^9
    assert sign_test_p(9, 0) == pytest.approx(1 / 512)
    assert sign_test_p(0, 0) == 1.0  # no untied pair: no evidence
    assert sign_test_p(3, 3) == pytest.approx(42 / 64)


def test_permutation_test_finds_a_real_correlation_and_not_noise():
    rng = np.random.default_rng(1)
    a = rng.normal(size=30)
    spearman = lambda x, y: np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1]
    assert permutation_p(a, a + 0.3 * rng.normal(size=30), spearman, 2000) < 0.01
    nulls = [permutation_p(a, rng.normal(size=30), spearman, 500, seed=s) for s in range(40)]
    assert 0.2 < np.mean(nulls) < 0.8  # p is uniform under the null: its mean is near 1/2
    assert min(nulls) >= 1 / 501  # the observed pairing counts: p is never 0


def test_checks_are_counted_apart_from_the_documents_findings():
    rows = [row(exact(), 1, 1), dict(row(exact(), 1, 2), kind="check"), dict(row(exact(), 1, 1), kind="check")]
    board = scoreboard([dict(r, verdict=verdict_of(r)) for r in rows])
    assert board["000"] == {"reproduced": 1, "differs": 0, "not comparable": 0}
    assert board["checks of minnet's code"] == {"reproduced": 1, "differs": 1, "not comparable": 0}


def test_a_claim_names_every_field_and_its_where():
    table = Claims("t", "000")
    fields = dict(quote="q", claim="c", unit="", document_value=1, rule=exact())
    table.declare("x", where="section 1", **fields)
    assert table.attach("x", measured=1)["where"] == "section 1"
    with pytest.raises(TypeError):
        table.declare("y", "section 1", "q", "c", "", 1, exact())  # positional fields are refused: each is named
    with pytest.raises(ValueError, match="t.z: where"):
        table.declare("z", **fields)  # no where, and the table gave none
    assert Claims("t", "000", where="figure 2").declare("x", **fields) is None


def declared_table():
    table = Claims("t", "000", where="section 1")
    table.declare("growth", quote="600 times", claim="growth at lr {lr}", unit="ratio", document_value=600,
                  rule=ratio(1.5))  # fmt: skip
    table.declare("event", quote="q", claim="iteration", unit="iteration", document_value=734, rule="plausible_draw")
    table.setting("init", choice="N(0, {sigma}^2)", alternative="U(-1, 1) gives {other}", depends_on=["growth", "u.v"])
    return table


def test_a_declared_claim_takes_only_what_was_measured():
    table = declared_table()
    row = table.attach("growth", measured=700, note="measured once", lr=0.1)
    assert (row["id"], row["claim"], row["document_value"], row["verdict"]) == ("t.growth", "growth at lr 0.1", 600,
                                                                               "reproduced")  # fmt: skip
    assert table.attach("growth", measured=1000, lr=0.1)["verdict"] == "differs"
    assert table.document_value("event") == 734
    with pytest.raises(KeyError, match="lr"):
        table.attach("growth", measured=700)  # the claim text's {lr} is not given
    with pytest.raises(KeyError, match="t.nothing"):
        table.attach("nothing", measured=1)  # every row is declared first


def test_a_rule_from_the_runs_is_declared_by_name_and_given_at_attach():
    table = declared_table()
    with pytest.raises(ValueError, match="needs the runs"):
        table.attach("event", measured=730)
    with pytest.raises(ValueError, match="attached with 'exact'"):
        table.attach("event", measured=730, rule=exact())
    draws = list(range(720, 750))
    assert table.attach("event", measured=735, rule=plausible_draw(draws))["verdict"] == "reproduced"
    assert table.attach("event", measured=735, rule=not_comparable("a --quick run"))["verdict"] == "not comparable"


def test_a_table_refuses_a_second_declaration_and_names_a_settings_claims():
    table = declared_table()
    with pytest.raises(ValueError, match="t.growth is declared twice"):
        table.declare("growth", quote="", claim="c", unit="", rule=exact())
    row = table.attach("init", measured="N(0, 0.01^2)", sigma=0.01, other="more")
    assert row["rule"]["depends_on"] == ["t.growth", "u.v"] and row["note"] == "U(-1, 1) gives more"
    assert [d["id"] for d in table.table()] == ["t.growth", "t.event", "t.init"]
