"""The samples generator: deterministic per seed, truth valid and faithful to what is printed, fixtures coherent."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
import simple_icd_10_cm as icd
import yaml
from PIL import Image
from typer.testing import CliRunner

from claimflow.model.member import Member
from claimflow.samples import catalog
from claimflow.samples.bad import BAD_FILES, write_bad_files
from claimflow.samples.content import npi_is_valid
from claimflow.samples.generate import Spec, generate
from claimflow.schema import extraction_errors

# One document per format and capture mode, small dpi so the suite stays fast.
SPECS = [
    ("a-png", Spec(layout="clinic", fmt="png", dpi=100, capture="scan", skew=3.0, rotation=0,
                   degradations=("blur", "coffee_stain")), 0),
    ("b-photo", Spec(layout="pharmacy", fmt="jpeg", dpi=100, capture="photo"), 1),
    ("c-tiff", Spec(layout="hospital", fmt="tiff", dpi=72, capture="scan", rotation=90,
                    degradations=("fold_lines",)), 2),
    ("d-scanned", Spec(layout="lab", fmt="scanned_pdf", dpi=100, capture="scan", degradations=("noise",)), 3),
    ("e-digital", Spec(layout="dental_vision", fmt="digital_pdf"), 4),
    ("f-hand", Spec(layout="clinic", fmt="png", dpi=100, capture="clean", handwritten=True), 5),
]


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    generate(out, count=len(SPECS), seed=7, specs=SPECS, workers=1)
    return out


@pytest.fixture(scope="module")
def random_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rand")
    generate(out, count=6, seed=11, formats=("png", "digital_pdf"), workers=1)
    return out


def _truths(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.truth.json"))]


def test_same_seed_gives_byte_identical_files(generated: Path, tmp_path: Path) -> None:
    generate(tmp_path, count=len(SPECS), seed=7, specs=SPECS, workers=2)
    assert _digests(tmp_path) == _digests(generated)


def test_documents_depend_only_on_seed_and_index(random_set: Path, tmp_path: Path) -> None:
    # Documents 3..5 generated alone equal the same indices generated within the full run.
    generate(tmp_path, count=3, seed=11, start=3, formats=("png", "digital_pdf"), workers=1)
    alone = {k: v for k, v in _digests(tmp_path).items() if not k.startswith(("manifest", "members"))}
    full = _digests(random_set)
    assert alone and all(full[k] == v for k, v in alone.items())


def test_different_seeds_differ(random_set: Path, tmp_path: Path) -> None:
    generate(tmp_path, count=6, seed=12, formats=("png", "digital_pdf"), workers=1)
    a = {json.dumps(t, sort_keys=True) for t in _truths(random_set)}
    b = {json.dumps(t, sort_keys=True) for t in _truths(tmp_path)}
    assert a.isdisjoint(b)


def test_every_truth_validates_against_the_schema(generated: Path, random_set: Path) -> None:
    truths = _truths(generated) + _truths(random_set)
    assert len(truths) == 12
    for t in truths:
        assert extraction_errors(t) == []


def test_truth_document_ref_matches_the_file(generated: Path) -> None:
    for t in _truths(generated):
        data = (generated / t["document"]["file"]).read_bytes()
        assert t["document"]["sha256"] == hashlib.sha256(data).hexdigest()
    kinds = {t["document"]["file"].rsplit(".", 1)[1]: t["document"]["kind"] for t in _truths(generated)}
    assert kinds["jpg"] == "image" and kinds["tif"] == "image"
    assert sorted(t["document"]["kind"] for t in _truths(generated) if t["document"]["file"].endswith(".pdf")) == [
        "digital_pdf", "scanned_pdf"]


def test_totals_add_up_where_the_layout_says_so(generated: Path, random_set: Path) -> None:
    for folder in (generated, random_set):
        manifest = {m["file"]: m for m in json.loads((folder / "manifest.json").read_text())}
        for t in _truths(folder):
            lines = sum((Decimal(li["amount"]) for li in t["line_items"]), Decimal("0.00"))
            tax = Decimal(manifest[t["document"]["file"]]["tax"] or "0")
            consistent = Decimal(t["total"]) == lines + tax
            assert t["checks"]["total_matches_line_items"] is consistent
            assert t["balance_due"] != t["total"]  # the balance due is never the total charges


def test_npis_pass_luhn_and_icd_codes_are_valid(generated: Path, random_set: Path) -> None:
    assert npi_is_valid("1234567893") and not npi_is_valid("1234567890")  # the CMS example NPI
    for t in _truths(generated) + _truths(random_set):
        if t["provider"]["npi"]:
            assert npi_is_valid(t["provider"]["npi"])
        for d in t["diagnoses"]:
            assert icd.is_valid_item(d["code"]) and icd.is_leaf(d["code"])
            assert d["description"] == icd.get_description(d["code"])


def test_catalog_codes_are_billable_icd10cm_leaves() -> None:
    pools = (catalog.ICD_CLINIC + catalog.ICD_HOSPITAL + catalog.ICD_LAB + catalog.ICD_PHARMACY + catalog.ICD_DENTAL
             + catalog.ICD_VISION + tuple(catalog.NEGATABLE))
    assert [c for c in pools if not (icd.is_valid_item(c) and icd.is_leaf(c))] == []


def test_truth_reflects_what_is_printed(generated: Path, random_set: Path) -> None:
    for folder in (generated, random_set):
        manifest = {m["file"]: m for m in json.loads((folder / "manifest.json").read_text())}
        for t in _truths(folder):
            stem = t["document"]["file"].rsplit(".", 1)[0]
            text = (folder / f"{stem}.truth.txt").read_text().upper()
            m = manifest[t["document"]["file"]]
            assert (m["member_id"] is not None) == (t["patient"]["member_id"] is not None)
            if t["patient"]["member_id"]:
                assert t["patient"]["member_id"].upper() in text
            assert t["invoice_number"].upper() in text
            assert t["provider"]["name"].upper() in text
            if t["provider"]["npi"]:
                assert t["provider"]["npi"] in text
            for d in t["diagnoses"]:
                if d["negated"]:
                    assert "fields" in t and d["evidence"]["page"] >= 1


def test_evidence_boxes_lie_on_the_page(generated: Path) -> None:
    for t in _truths(generated):
        path = generated / t["document"]["file"]
        if t["document"]["kind"] != "image":
            continue
        with Image.open(path) as im:
            sizes = []
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                sizes.append(im.size)
        evidences = list(t["fields"].values()) + [li["evidence"] for li in t["line_items"] if "evidence" in li]
        assert t["fields"]["total"]
        for ev in evidences:
            w, h = sizes[ev["page"] - 1]
            x0, y0, x1, y1 = ev["bbox"]
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h


def test_multipage_and_rotation(generated: Path) -> None:
    hosp = json.loads((generated / "c-tiff.truth.json").read_text())
    with Image.open(generated / "c-tiff.tif") as im:
        assert im.n_frames == hosp["document"]["pages"]
        assert im.size[0] > im.size[1]  # a portrait page rotated 90° is landscape
    text = (generated / "c-tiff.truth.txt").read_text()
    assert text.count("\f") == hosp["document"]["pages"] - 1


def test_members_fixture_covers_members_and_omits_non_members(random_set: Path, generated: Path) -> None:
    for folder in (random_set, generated):
        rows = yaml.safe_load((folder / "members.yaml").read_text())
        members = {r["member_id"]: Member.model_validate(r) for r in rows}
        assert {m.plan_id for m in members.values()} <= {"GOLD-PPO", "SILVER-HMO", "BRONZE-HDHP", "DENTAL-VISION"}
        for m in json.loads((folder / "manifest.json").read_text()):
            t = json.loads((folder / f"{m['name']}.truth.json").read_text())
            mid = t["patient"]["member_id"]
            if mid is None:
                continue
            if m["membership"] == "non_member":
                assert mid not in members
            else:
                rec = members[mid]
                first = t["service_dates"][0]
                covered = rec.coverage_start.isoformat() <= first and (
                    rec.coverage_end is None or first <= rec.coverage_end.isoformat())
                assert covered == (m["membership"] in ("member", "dependent"))
                assert rec.status.value == {"lapsed": "lapsed", "terminated": "terminated"}.get(m["membership"],
                                                                                                 "active")


def test_bad_files_are_deterministic_and_malformed(tmp_path: Path) -> None:
    names = write_bad_files(tmp_path / "a")
    write_bad_files(tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert sorted(n for n, _, _ in BAD_FILES) == names
    assert (tmp_path / "a" / "empty.pdf").stat().st_size == 0
    bomb = (tmp_path / "a" / "bomb.png").read_bytes()
    assert len(bomb) < 2000 and int.from_bytes(bomb[16:20], "big") == 60000
    assert not (tmp_path / "a" / "truncated.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert b"/Encrypt" in (tmp_path / "a" / "encrypted.pdf").read_bytes()


def test_committed_sample_docs_are_valid_and_listed() -> None:
    root = Path(__file__).resolve().parent.parent / "sample_docs"
    readme = (root / "README.md").read_text()
    truths = sorted(root.glob("*.truth.json"))
    assert len(truths) >= 25
    for p in truths:
        t = json.loads(p.read_text())
        assert extraction_errors(t) == []
        assert (root / t["document"]["file"]).is_file()
        assert f"`{t['document']['file']}`" in readme
    for name, _, _ in BAD_FILES:
        assert (root / "bad" / name).is_file() and f"`bad/{name}`" in readme


@pytest.mark.slow
def test_committed_sample_docs_regenerate_byte_identically(tmp_path: Path) -> None:
    from claimflow.samples.sampleset import write_sample_set

    write_sample_set(tmp_path)
    root = Path(__file__).resolve().parent.parent / "sample_docs"
    committed = {k: v for k, v in _digests(root).items() if k != "generate.sh"}
    assert _digests(tmp_path) == committed


def test_cli_generate_and_bad_kind(tmp_path: Path) -> None:
    from claimflow.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["samples", "generate", "--out", str(tmp_path), "--count", "2", "--seed", "3",
                              "--kinds", "pharmacy", "--formats", "digital_pdf"])
    assert res.exit_code == 0, res.output
    assert len(list(tmp_path.glob("pharmacy-s3-*.pdf"))) == 2
    res = runner.invoke(app, ["samples", "generate", "--out", str(tmp_path), "--kinds", "spaceship"])
    assert res.exit_code == 2


def test_cli_generate_handwritten_says_which_bills_are_forms_filled_in_by_hand(tmp_path: Path) -> None:
    from claimflow.cli.main import app

    res = CliRunner().invoke(app, ["samples", "generate", "--out", str(tmp_path), "--count", "6", "--seed", "4711",
                                   "--kinds", "clinic", "--handwritten", "--workers", "1"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert all(m["handwritten"] and m["expect_review"] and m["format"] != "digital_pdf" for m in manifest)
    assert {m["filled_in_by_hand"] for m in manifest} == {True, False}  # both kinds, about half each


def _curated_manifest() -> list[dict]:
    root = Path(__file__).resolve().parent.parent / "sample_docs"
    return json.loads((root / "manifest.json").read_text())


def test_committed_sample_docs_decide_as_the_manifest_says() -> None:
    """Every committed truth (a perfect extraction) adjudicated against members.yaml and the shipped plans on the
    inbox's received-on date gives the outcome the manifest (and README) promise: the demo cannot drift silently."""
    import datetime as dt

    from claimflow.model import Extraction
    from claimflow.model.accumulators import Accumulators
    from claimflow.model.member import members_from_file
    from rules import adjudicate, load_plans

    root = Path(__file__).resolve().parent.parent / "sample_docs"
    manifest = _curated_manifest()
    (received,) = {m["received_on"] for m in manifest}
    assert f"received on {received}" in (root / "README.md").read_text()
    plans = load_plans()
    members = {m.member_id: m for m in members_from_file(root / "members.yaml")}
    decided = {}
    for m in manifest:
        x = Extraction.model_validate(json.loads((root / f"{m['name']}.truth.json").read_text()))
        member = members.get(x.patient.member_id) if x.patient.member_id else None
        plan = plans.get(member.plan_id) if member is not None else None
        d = adjudicate(x, member, plan, Accumulators(), [], today=dt.date.fromisoformat(received))
        codes = {f"{r.group}-{r.code}" for r in d.reasons}
        decided[m["name"]] = d.outcome.value
        assert (d.outcome.value, d.review_queue) == (m["expected_outcome"], m["expected_review_queue"]), m["name"]
        assert set(m["expected_reasons"]) <= codes, (m["name"], sorted(codes))
        if d.outcome.value in ("APPROVED", "PARTIALLY_APPROVED"):
            assert d.payable > 0, m["name"]
        else:
            assert d.payable == 0, m["name"]
    # A realistic inbox: most claims paid, a few denied on purpose, a few for review, exactly one filed late.
    paid = sum(o in ("APPROVED", "PARTIALLY_APPROVED") for o in decided.values())
    assert 0.6 <= paid / len(decided) <= 0.75
    assert sum(o == "DENIED" for o in decided.values()) >= 3
    assert sum(o == "PENDING_REVIEW" for o in decided.values()) >= 2
    assert sum("CO-29" in m["expected_reasons"] for m in manifest) == 1


def test_committed_sample_docs_are_a_recent_inbox() -> None:
    """Services fall in the months before the received-on date (one late claim aside); statements predate it."""
    import datetime as dt

    from claimflow.samples.curated import CURATED, LATE_WINDOW, RECEIVED_ON, SERVICE_WINDOW

    root = Path(__file__).resolve().parent.parent / "sample_docs"
    manifest = {m["name"]: m for m in _curated_manifest()}
    assert sorted(manifest) == sorted(c.name for c in CURATED)
    assert len({c.index for c in CURATED}) == len(CURATED)  # a bill depends on (seed, index): no repeats
    for c in CURATED:
        t = json.loads((root / f"{c.name}.truth.json").read_text())
        first = dt.date.fromisoformat(t["service_dates"][0])
        window = LATE_WINDOW if "CO-29" in c.reasons else SERVICE_WINDOW
        assert window[0] <= first <= window[1], c.name
        assert dt.date.fromisoformat(t["service_dates"][-1]) < RECEIVED_ON
        assert manifest[c.name]["expected_outcome"] == c.outcome and manifest[c.name]["received_on"] == "2025-12-01"
    # every layout, format, rotation and degradation of the generator is still in the curated set
    from claimflow.samples.generate import DEGRADATIONS, FORMATS, LAYOUTS

    ms = list(manifest.values())
    assert {m["layout"] for m in ms} == set(LAYOUTS) and {m["format"] for m in ms} == set(FORMATS)
    assert {m["rotation"] for m in ms} == {0, 90, 180, 270}
    assert {d for m in ms for d in m["degradations"]} == set(DEGRADATIONS)
    assert any(m["handwritten"] for m in ms) and any(m["capture"] == "photo" for m in ms)
    assert any(m["pages"] > 1 and m["format"] == f for m in ms for f in ("digital_pdf", "scanned_pdf", "tiff"))
    assert {m["currency"] for m in ms} > {"USD"} and {m["membership"] for m in ms} == {
        "member", "dependent", "non_member", "lapsed", "terminated"}


def test_content_steering_keeps_unsteered_documents_and_steers_the_rest(tmp_path: Path) -> None:
    import datetime as dt

    # Unsteered documents are exactly what these seeds always gave (teammates train and evaluate on them).
    generate(tmp_path / "plain", count=4, seed=7, formats=("digital_pdf",), workers=1)
    got = {p.name: json.loads(p.read_text()) for p in sorted((tmp_path / "plain").glob("*.truth.json"))}
    assert {k: (t["service_dates"], t["patient"]["member_id"], t["total"], t["currency"]) for k, t in got.items()} == {
        "clinic-s7-00000.truth.json": (["2025-09-10"], "H75H1713106", "13.00", "USD"),
        "dental_vision-s7-00001.truth.json": (["2024-06-04"], "T32R3605318", "1864.35", "USD"),
        "dental_vision-s7-00002.truth.json": (["2024-10-06"], "W170542149", "2275.10", "CAD"),
        "pharmacy-s7-00003.truth.json": (["2025-03-09"], "NYX408852117", "15.51", "USD"),
    }
    window = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    specs = [(f"k-{kind}", Spec(layout="lab", fmt="digital_pdf", service_window=window, membership=kind), i)
             for i, kind in enumerate(("member", "dependent", "non_member", "lapsed", "terminated"))]
    results = generate(tmp_path / "steered", count=len(specs), seed=7, specs=specs, workers=1)
    listed = {r["member_id"] for r in yaml.safe_load((tmp_path / "steered" / "members.yaml").read_text())}
    for r in results:
        kind = r.name.removeprefix("k-")
        t = json.loads((tmp_path / "steered" / f"{r.name}.truth.json").read_text())
        assert window[0] <= dt.date.fromisoformat(t["service_dates"][0]) <= window[1]
        assert r.manifest["membership"] == kind
        own = [m for m in r.members if m["name"] == t["patient"]["name"]]
        if kind == "non_member":
            assert r.members == []
        else:
            assert len(own) == 1 and own[0]["member_id"] in listed
            assert own[0]["relationship"] == "self" if kind != "dependent" else own[0]["subscriber_id"]
        if kind in ("lapsed", "terminated"):
            assert own[0]["status"] == kind and own[0]["coverage_end"] < t["service_dates"][0]
    with pytest.raises(ValueError, match="membership kind"):
        generate(tmp_path / "x", count=1, seed=7, specs=[("x", Spec(layout="lab", membership="vip"), 0)], workers=1)
