"""Claims a skeptic can check: each row of a study's claims table is data, and its verdict is computed.

A claim names the document and where in it the statement is (section or figure), quotes the
document's sentence, says which quantity is compared and in which unit, gives the document's value,
the rule and the measured value. `verdict_of(row)` is the one function that turns those into
"reproduced", "differs" or "not comparable"; no study writes a verdict by hand, and the report and
the tests recompute it from summary.json alone.

The rules, each with its parameters shown beside the verdict (`rule_text`):

    exact()                     measured == document value
    relative(tol)               |measured - document| <= tol |document|
    ratio(max_factor)           max(measured / document, document / measured) <= max_factor
    band(lo, hi)                lo <= measured <= hi (either end may be None: open)
    holds(description)          a boolean the study computes is True (the rule's name in summary.json: "property")
    beats_baseline(value, how)  measured beats what a trivial baseline scores (higher or lower is better)
    plausible_draw(draws)       the document's single run lies inside the central 5-95% interval of
                                >= 10 runs (seeds that draw their own data and weights); measured = their median
    significant(p, test)        a one-sided test of the claim's direction on the runs (a permutation or
                                sign test, minnet's code below) gives p < 0.05; measured = its statistic
    not_comparable(why)         nothing to compare (a shortened run, another data set)

Four kinds of rows: "document" (the document says it), "beyond" (minnet's own finding past the
document, or what a cited paper says, scored on its own line), "check" (a property that follows from
the mathematics or from minnet's own setup, e.g. of a hand-built landscape: it checks the code, it is
not evidence for a document, and it is counted apart) and "setting" (a choice the document leaves
unstated, made to reproduce it: always "not comparable", naming the claims that depend on it and what
the alternative gives). A row that reads "differs" carries a note: the measured cause, or the
candidate causes tried with their numbers.
"""

import math

import numpy as np

VERDICTS = ("reproduced", "differs", "not comparable")
KINDS = ("document", "beyond", "check", "setting")
ALPHA = 0.05  # significant(): the one-sided level of every test
MIN_DRAWS = 10  # plausible_draw: fewer runs than this say nothing about a 5-95% interval


# ----- the rules ----------------------------------------------------------------------------------
def exact():
    return {"name": "exact"}


def relative(tol):
    return {"name": "relative", "tol": tol}


def ratio(max_factor):
    return {"name": "ratio", "max_factor": max_factor}


def band(lo=None, hi=None):
    return {"name": "band", "lo": lo, "hi": hi}


def holds(description):
    """The row's measured value is a boolean the study computes: reproduced when True."""
    return {"name": "property", "description": description}


def beats_baseline(value, how, better="higher"):
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    return {"name": "beats_baseline", "baseline": float(value), "how": how, "better": better}


def plausible_draw(draws, quantiles=(5, 95)):
    """The central interval of `draws` (one number per seed); the claim's measured value is their median."""
    draws = np.asarray(draws, dtype=float)
    lo, hi = np.percentile(draws, quantiles)
    return {
        "name": "plausible_draw",
        "n_seeds": int(draws.size),
        "quantiles": list(quantiles),
        "interval": [float(lo), float(hi)],
    }


def chance_q95(probabilities):
    """The 95th percentile of a count drawn by chance, from the probabilities of 0, 1, 2, ...: the smallest
    count whose cumulative probability reaches 0.95 (a beats_baseline for a count)."""
    return int(np.searchsorted(np.cumsum(probabilities), 0.95))


def rank_correlation(a, b):
    """Spearman's rank correlation (ties broken by order): the Pearson correlation of the ranks."""
    ranks = [np.argsort(np.argsort(v)) for v in (a, b)]
    return float(np.corrcoef(*ranks)[0, 1])


def significant(p, test):
    """The claim's direction is borne out by a one-sided test on the runs: p < ALPHA. `test` names it."""
    return {"name": "significant", "p": float(p), "test": test, "alpha": ALPHA}


def permutation_p(a, b, statistic, permutations=10_000, seed=0):
    """One-sided permutation test: the fraction of shuffles of b (pairing broken) whose statistic(a, b)
    is at least the observed one, counting the observed pairing (so p >= 1 / (permutations + 1))."""
    observed = statistic(a, b)
    rng = np.random.default_rng(seed)
    shuffled = [statistic(a, rng.permutation(b)) for _ in range(permutations)]
    return (1 + sum(s >= observed for s in shuffled)) / (permutations + 1)


def sign_test_p(wins, losses):
    """One-sided sign test over paired runs (ties dropped): P(at least `wins` of n = wins + losses fair
    coin flips) = sum_{k >= wins} C(n, k) / 2^n."""
    n = wins + losses
    return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n if n else 1.0


def not_comparable(why):
    return {"name": "not comparable", "why": why}


def setting_rule(depends_on, alternative):
    return {"name": "setting", "depends_on": list(depends_on), "alternative": alternative}


def rule_text(rule):
    """The rule as the tables print it, parameters included."""
    name = rule["name"]
    if name == "exact":
        return "equal"
    if name == "relative":
        return f"within {rule['tol']:.0%}"
    if name == "ratio":
        return f"within x{rule['max_factor']:g}"
    if name == "band":
        lo = "-inf" if rule["lo"] is None else f"{rule['lo']:.4g}"
        hi = "inf" if rule["hi"] is None else f"{rule['hi']:.4g}"
        return f"in [{lo}, {hi}]"
    if name == "property":
        return f"true: {rule['description']}"
    if name == "beats_baseline":
        return f"{'above' if rule['better'] == 'higher' else 'below'} {rule['baseline']:.4g} ({rule['how']})"
    if name == "plausible_draw":
        lo, hi = rule["interval"]
        q = rule["quantiles"]
        return f"document inside {q[0]}-{q[1]}% of {rule['n_seeds']} runs: [{lo:.4g}, {hi:.4g}]"
    if name == "significant":
        return f"{rule['test']}: p < {rule['alpha']:g} (here p = {rule['p']:.3g})"
    if name == "not comparable":
        return f"not comparable: {rule['why']}"
    return name


# ----- the verdict ----------------------------------------------------------------------------------
def number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def rule_holds(rule, document_value, measured):
    """Whether the rule holds: True, False, or None when it cannot be judged."""
    name = rule["name"]
    if name in ("not comparable", "setting"):
        return None
    if name == "property":
        return measured is True
    if name == "plausible_draw":
        if rule["n_seeds"] < MIN_DRAWS:
            return None
        lo, hi = rule["interval"]
        return lo <= document_value <= hi
    if name == "exact":
        return measured == document_value
    if name == "significant":
        return rule["p"] < rule["alpha"]
    if not number(measured):
        return False  # nothing measured (e.g. no crossing in the run): the statement is not borne out
    if name == "relative":
        return abs(measured - document_value) <= rule["tol"] * abs(document_value)
    if name == "ratio":
        return measured > 0 and max(measured / document_value, document_value / measured) <= rule["max_factor"]
    if name == "band":
        return (rule["lo"] is None or measured >= rule["lo"]) and (rule["hi"] is None or measured <= rule["hi"])
    if name == "beats_baseline":
        return measured > rule["baseline"] if rule["better"] == "higher" else measured < rule["baseline"]
    raise ValueError(f"unknown rule {name!r}")


def verdict_of(row):
    """The verdict of a claims row, from its rule, document value and measured value alone."""
    ok = rule_holds(row["rule"], row["document_value"], row["measured"])
    return "not comparable" if ok is None else "reproduced" if ok else "differs"


# ----- the rows ------------------------------------------------------------------------------------
def plain(value):
    """A JSON value: NumPy scalars as Python numbers."""
    return value.item() if isinstance(value, np.generic) else value


def make_row(key, document, where, quote, claim, unit, document_value, rule, measured, note=None, kind="document"):
    """One row of a study's claims table (summary.json["claims"]), its verdict computed by `verdict_of`.

    key: the row's id, "<study>.<name>"; where: section or figure; quote: the document's sentence (one line); claim: the quantity minnet
    compares, as a reader would say it; unit: of both values ("" when they are counts or booleans)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    row = {
        "id": key,
        "kind": kind,
        "document": document,
        "where": where,
        "quote": quote,
        "claim": claim,
        "unit": unit,
        "document_value": plain(document_value),
        "rule": rule,
        "rule_text": rule_text(rule),
        "measured": plain(measured),
        "note": note,
    }
    row["verdict"] = verdict_of(row)
    return row


NN_LINEAR_INIT = "U(-1/sqrt(n_in), 1/sqrt(n_in))"  # nn.Linear's default initialisation (init="pytorch")
FROM_THE_RUNS = ("plausible_draw", "significant", "beats_baseline")  # rules whose parameters the runs give


class Claims:
    """One study's claims table, declared once as data at the top of its module, before anything runs:

        CLAIMS = Claims("oscillations", "000")
        CLAIMS.declare("grad_norm_growth", where="section 2.2", quote="the gradient's norm gets 600 times
                       bigger", claim="largest gradient norm after its minimum / the minimum",
                       unit="ratio", document_value=600, rule=ratio(1.5))
        CLAIMS.setting("init", choice=..., alternative=..., depends_on=["grad_norm_growth"])

    and the study attaches what it measured: `CLAIMS.attach("grad_norm_growth", measured=s["growth"])`
    returns the row with its verdict. The document's value, quote and rule are written only here, so
    print_summary, the report, the explorer's claim boxes (`table()`) and the exercises' payoffs
    (`document_value(key)`) all read the one declaration. A rule whose parameters come from the runs
    (plausible_draw, significant, beats_baseline) is declared by its name and given at attach; any
    row may be attached as not_comparable(why) (a shortened run). A claim text may hold {fields}
    that attach fills (claim, the holds() description, the setting's choice and alternative)."""

    def __init__(self, study, document, where=None, kind="document"):
        self.study, self.document, self.where, self.kind = study, document, where, kind
        self.declared = {}

    def declare(self, key, *, quote, claim, unit, rule, document_value=None, where=None, kind=None,
                document=None, note=None):  # fmt: skip
        """One claim: everything but what is measured. `note`: what is known before the run (e.g. the cause
        of a known difference); attach adds the measured note after it."""
        kind = kind or self.kind
        if key in self.declared:
            raise ValueError(f"{self.study}.{key} is declared twice")
        if kind not in KINDS:
            raise ValueError(f"{self.study}.{key}: kind must be one of {KINDS}, got {kind!r}")
        if isinstance(rule, str) and rule not in FROM_THE_RUNS:
            raise ValueError(f"{self.study}.{key}: a rule named at declaration must be one of {FROM_THE_RUNS}")
        if not (where or self.where):
            raise ValueError(f"{self.study}.{key}: where must name the section or figure")
        self.declared[key] = {
            "id": f"{self.study}.{key}",
            "kind": kind,
            "document": document or self.document,
            "where": where or self.where,
            "quote": quote,
            "claim": claim,
            "unit": unit,
            "document_value": plain(document_value),
            "rule": rule,
            "note": note,
        }

    def setting(self, key, *, choice, alternative, depends_on, document=None):
        """A choice the document does not state (or that minnet had to change), made to reproduce it: which
        claims (keys of this table, or ids of another study's) depend on it and what the alternative gives."""
        self.declare(key, where="setup", quote="", claim=choice, unit="", rule=setting_rule(depends_on, alternative),
                     kind="setting", document=document, note=alternative)  # fmt: skip

    def pytorch_init(self, depends_on):
        """The setting a PyTorch document does not state but used: nn.Linear's initialisation."""
        self.setting(
            "initialisation",
            choice=f"every layer starts from nn.Linear's default, {NN_LINEAR_INIT} (minnet's init='pytorch')",
            alternative="the document's code is PyTorch, whose default this is; minnet draws the same distribution, "
            "not PyTorch's random numbers",
            depends_on=depends_on,
        )

    def full_id(self, key):
        """A key of this table as its row id, "<study>.<key>"; an id of another study's row as it is."""
        return f"{self.study}.{key}" if key in self.declared else key

    def __contains__(self, key):
        return key in self.declared

    def document_value(self, key):
        return self.declared[key]["document_value"]

    def table(self):
        """The declared claims as data: id, kind, document, where, quote, claim, unit, document value, and
        the rule (its name where the runs give its parameters)."""
        return [{**d, "rule": d["rule"] if isinstance(d["rule"], str) else rule_text(d["rule"])}
                for d in self.declared.values()]  # fmt: skip

    def attach(self, key, *, measured=None, note=None, rule=None, reference=None, **fields):
        """The row of claim `key` with the measured value (and the rule computed from the runs, a note,
        the {fields} of its texts), its verdict computed by `verdict_of`. `reference`: the value a row
        declared without a document value is compared with, when the run computes it (e.g. exp_lr's
        theory's c_T): it fills the row's document-value column."""
        if key not in self.declared:
            raise KeyError(f"{self.study}.{key} is not declared in the study's claims table")
        d = self.declared[key]
        document_value = d["document_value"]
        if reference is not None:
            if document_value is not None:
                raise ValueError(f"{d['id']}: declared with the document value {document_value!r}, not a reference")
            document_value = plain(reference)
        declared_rule = d["rule"]
        if rule is None:
            if isinstance(declared_rule, str):
                raise ValueError(f"{d['id']}: its {declared_rule} rule needs the runs' parameters (rule=)")
            rule = declared_rule
        elif rule["name"] != "not comparable" and rule["name"] != (
            declared_rule if isinstance(declared_rule, str) else declared_rule["name"]
        ):
            raise ValueError(f"{d['id']}: declared with rule {declared_rule!r}, attached with {rule['name']!r}")
        rule = filled(rule, fields)
        if rule["name"] == "setting":  # a key of this table as its id (read once every claim is declared)
            rule = {**rule, "depends_on": [self.full_id(k) for k in rule["depends_on"]]}
        notes = [text for text in (filled(d["note"], fields), note) if text]
        return make_row(d["id"], d["document"], filled(d["where"], fields), d["quote"],
                        filled(d["claim"], fields), d["unit"], document_value, rule, measured,
                        "; ".join(notes) or None, kind=d["kind"])  # fmt: skip


def declared(row_id):
    """One claim's declaration (document, where, quote, claim, unit, document value, rule, kind), read from
    its study's table, CLAIMS in demos/<study>.py: for a page that quotes a claim without running its study."""
    import importlib

    table = importlib.import_module(f"demos.{row_id.split('.', 1)[0]}").CLAIMS
    return next(d for d in table.table() if d["id"] == row_id)


def filled(value, fields):
    """A declared text (or a rule's texts) with its {fields} filled; a missing field is an error naming it."""
    if isinstance(value, dict):
        return {k: filled(v, fields) if k in ("description", "why", "alternative") else v for k, v in value.items()}
    if not isinstance(value, str) or "{" not in value:
        return value
    try:
        return value.format_map(fields)
    except KeyError as missing:
        raise KeyError(f"the claim text {value!r} needs the field {missing} at attach") from None


LINES = {"beyond": "beyond the documents", "check": "checks of minnet's code"}  # scoreboard lines apart


def label(row):
    """The document column of a row: the document, "beyond: <paper>" or "check: <document>"."""
    return row["document"] if row["kind"] == "document" else f"{row['kind']}: {row['document']}"


def scoreboard(rows):
    """{line: {verdict: count}}: one line per document over its "document" rows, one "beyond the
    documents" over the "beyond" rows, one "checks of minnet's code" over the "check" rows; settings are
    not scored."""
    board = {}
    for row in rows:
        if row["kind"] == "setting":
            continue
        line = LINES.get(row["kind"], row["document"])
        board.setdefault(line, dict.fromkeys(VERDICTS, 0))[row["verdict"]] += 1
    return board


# ----- printing ------------------------------------------------------------------------------------
def shown(value):
    """A claim's value as the tables show it: 4 significant digits, '-' for none."""
    return "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


COLUMN = 10  # characters of the document and measured columns; a longer value is printed below its row


def print_claims(claims):
    """The claims table: the quantity, document's value, measured, unit, rule and verdict; the quoted
    sentence and the note below their row (and a value too long for its column); settings in a table of their own."""
    import textwrap

    findings = [row for row in claims if row["kind"] != "setting"]
    print(f"\n{'document':<18}{'claim':<56}{'document':>11}{'measured':>11}  verdict")
    for row in findings:
        first, *rest = textwrap.wrap(row["claim"], 54)
        values = {name: shown(row[key]) for name, key in (("document", "document_value"), ("measured", "measured"))}
        column = {name: text if len(text) <= COLUMN else "below" for name, text in values.items()}
        print(f"{label(row)[:17]:<18}{first:<56}{column['document']:>11}{column['measured']:>11}  {row['verdict']}")
        long = [f"{name}: {text}" for name, text in values.items() if len(text) > COLUMN]
        below = rest + [line for text in long for line in textwrap.wrap(text, 90)]
        below += [f"rule: {row['rule_text']}" + (f"; unit: {row['unit']}" if row["unit"] else "")]
        below += [f'"{row["quote"]}" ({row["where"]})'] if row["quote"] else [f"({row['where']})"]
        below += textwrap.wrap(f"note: {row['note']}", 90) if row["note"] else []
        for line in below:
            print(f"{'':<20}{line}")
    settings = [row for row in claims if row["kind"] == "setting"]
    if settings:
        print("\nsettings (choices the documents leave open; not scored):")
        for row in settings:
            print(f"  {row['id']} ({row['document']}): {row['claim']}")
            for line in textwrap.wrap(f"depends on: {', '.join(row['rule']['depends_on'])}. {row['note']}", 96):
                print(f"      {line}")
