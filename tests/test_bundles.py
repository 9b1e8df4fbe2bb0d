"""Documents holding several bills (bundles): the generator's bundles, the split into bills, the contract's ``bills``
list (schema version 2), and adjudication over every bill with each line traced to its bill and page."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from api import fhir
from claimflow.model import DocumentRef, Evidence, Extraction, LineItem, Patient, Provider
from claimflow.model.accumulators import Accumulators
from claimflow.model.claim_extraction import ClaimExtraction, combine_bills, line_sources, merge_extractions, shift_pages
from claimflow.model.decision import Outcome
from claimflow.model.member import Member
from claimflow.samples.bundle import generate_bundles
from claimflow.samples.generate import Spec, generate
from claimflow.schema import EXTRACTION_SCHEMA_VERSION, extraction_errors, schema_version
from extractors import bills
from extractors.extract import NO_SPLIT, extract
from extractors.ocr import OcrOptions, read_document
from rules import adjudicate, load_plans

SEED = 4711  # fixtures only: the model is trained on seed 8101 (extractors/chooser/README.md, "Bundles")


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundles")
    generate_bundles(out, count=4, seed=SEED, formats=("digital_pdf",))
    # one bill over two pages (a hospital statement), which must stay one bill
    generate(out, count=0, seed=SEED, specs=[("single", Spec(layout="hospital", fmt="digital_pdf"), 2)], workers=1)
    return out


def truth(pdf: Path) -> dict:
    return json.loads((pdf.parent / f"{pdf.stem}.truth.json").read_text())


# --- the generator ------------------------------------------------------------------------------------------------


def test_a_generated_bundle_holds_several_bills_of_one_patient_each_with_its_pages(bundle_dir: Path) -> None:
    for pdf in sorted(bundle_dir.glob("bundle-*.pdf")):
        t = truth(pdf)
        assert extraction_errors(t) == []
        bs = t["bills"]
        assert 2 <= len(bs) <= 4
        pages = [p for b in bs for p in b["pages"]]
        assert pages == list(range(1, t["document"]["pages"] + 1))  # every page in one bill, in order
        assert len({b["provider"]["name"] for b in bs}) == len(bs)  # a different provider per bill
        assert len({b["patient"]["member_id"] for b in bs if b["patient"]["member_id"]}) <= 1
        assert Decimal(t["total"]) == sum(Decimal(b["total"]) for b in bs)
        assert [li["amount"] for li in t["line_items"]] == [li["amount"] for b in bs for li in b["line_items"]]
        for b in bs:  # each line's evidence lies on one of its bill's pages
            assert all(li["evidence"]["page"] in b["pages"] for li in b["line_items"] if "evidence" in li)


def test_bundles_are_reproducible_from_seed_and_index(tmp_path: Path, bundle_dir: Path) -> None:
    generate_bundles(tmp_path, count=1, seed=SEED, formats=("digital_pdf",))
    name = "bundle-s4711-00000"
    assert (tmp_path / f"{name}.pdf").read_bytes() == (bundle_dir / f"{name}.pdf").read_bytes()
    assert (tmp_path / f"{name}.truth.json").read_text() == (bundle_dir / f"{name}.truth.json").read_text()


# --- the split ----------------------------------------------------------------------------------------------------


def test_the_shipped_model_splits_generated_bundles_into_their_bills(bundle_dir: Path) -> None:
    assert bills.shipped() is not None
    for pdf in sorted(bundle_dir.glob("bundle-*.pdf")):
        t = truth(pdf)
        x = extract(read_document(pdf, OcrOptions(workers=1)))
        assert x.bills is not None, pdf.name
        assert [b.pages for b in x.bills] == [b["pages"] for b in t["bills"]], pdf.name
        assert [str(b.total) for b in x.bills] == [b["total"] for b in t["bills"]], pdf.name
        assert extraction_errors(x.to_json_dict()) == []
        assert x.total == sum((b.total for b in x.bills if b.total is not None), Decimal("0.00"))
        for i, item in enumerate(x.line_items):  # every line traceable to its bill and a page of it
            bill = x.bill_of_line(i)
            assert bill is not None and item.evidence is not None and item.evidence.page in bill.pages


def test_a_bill_over_several_pages_stays_one_bill_and_its_extraction_is_unchanged(bundle_dir: Path) -> None:
    ocr = read_document(bundle_dir / "single.pdf", OcrOptions(workers=1))
    assert len(ocr.pages) == 2
    x = extract(ocr)
    assert x.bills is None and "bills" not in x.to_json_dict()
    assert x.canonical_bytes() == extract(ocr, splitter=NO_SPLIT).canonical_bytes()


def test_without_a_model_every_document_is_one_bill(bundle_dir: Path) -> None:
    ocr = read_document(next(iter(sorted(bundle_dir.glob("bundle-*.pdf")))), OcrOptions(workers=1))
    assert bills.split_pages(ocr, None).bills == ((tuple(range(1, len(ocr.pages) + 1)), 1.0),)
    assert extract(ocr, splitter=NO_SPLIT).bills is None


# --- the contract -------------------------------------------------------------------------------------------------


def test_the_schema_declares_the_version_that_added_bills() -> None:
    assert schema_version() == EXTRACTION_SCHEMA_VERSION == 2


def test_the_contract_refuses_a_malformed_bills_list(bundle_dir: Path) -> None:
    t = truth(next(iter(sorted(bundle_dir.glob("bundle-*.pdf")))))
    assert extraction_errors(t) == []
    one = copy.deepcopy(t)
    one["bills"] = one["bills"][:1]  # a bundle has at least two bills; one bill is written without the list
    assert any(e.startswith("bills") for e in extraction_errors(one))
    no_pages = copy.deepcopy(t)
    del no_pages["bills"][0]["pages"]
    assert any("pages" in e for e in extraction_errors(no_pages))
    bad_total = copy.deepcopy(t)
    bad_total["bills"][1]["total"] = "12.5"
    assert any(e.startswith("bills/1/total") for e in extraction_errors(bad_total))
    assert Extraction.model_validate(t).to_json_dict() == t  # the model round-trips the wire form


# --- adjudication over every bill ---------------------------------------------------------------------------------

DOC = DocumentRef(file="bundle.pdf", sha256="d" * 64, pages=3, kind="digital_pdf")


def _bill(provider: str, page: int, lines: list[tuple[str, str]]) -> Extraction:
    items = [LineItem(code=c, amount=Decimal(a), service_date=dt.date(2026, 3, 2),
                      evidence=Evidence(page=page, bbox=[0, 10 * i, 10, 10 * i + 8], confidence=0.97))
             for i, (c, a) in enumerate(lines)]
    total = sum((li.amount for li in items if li.amount is not None), Decimal("0.00"))
    return Extraction(document=DOC, patient=Patient(member_id="M-1"), provider=Provider(name=provider),
                      service_dates=[dt.date(2026, 3, 2)], line_items=items, total=total, currency="USD",
                      fields={"total": Evidence(page=page, bbox=[0, 0, 1, 1], confidence=0.97)})


def bundle() -> Extraction:
    return combine_bills(DOC, [([1], 0.99, _bill("Lakeside Clinic", 1, [("99213", "105.00")])),
                               ([2, 3], 0.97, _bill("Lakeside Lab", 3, [("85025", "30.00"), ("80053", "40.00")]))])


def test_a_bundle_claim_is_decided_over_every_bill_each_line_traced_to_its_bill_and_page() -> None:
    x = bundle()
    assert extraction_errors(x.to_json_dict()) == []
    assert x.total == Decimal("175.00") and [b.first_line for b in x.bills or []] == [0, 1]
    member = Member(member_id="M-1", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1))
    d = adjudicate(x, member, load_plans().get("GOLD-PPO"), Accumulators(), [], today=dt.date(2026, 4, 1))
    assert d.billed == Decimal("175.00")
    assert [ln.index for ln in d.lines] == [0, 1, 2]
    sources = line_sources(x)
    assert [(s.bill, s.page) for s in sources] == [(1, 1), (2, 3), (2, 3)]
    assert [x.bill_of_line(ln.index).provider.name for ln in d.lines] == [  # type: ignore[union-attr]
        "Lakeside Clinic", "Lakeside Lab", "Lakeside Lab"]

    eob = fhir.explanation_of_benefit(fhir.ClaimView(
        claim_id="c-1", tenant="acme", status=d.outcome.value.lower(), created=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        decision=d, decided_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        line_bills=tuple((i, s.document, s.page, s.bill) for i, s in enumerate(sources))))
    ExplanationOfBenefit.model_validate(eob)
    traced = [{e["url"]: e["valueInteger"] for e in it["extension"][0]["extension"]} for it in eob["item"]]
    assert traced == [{"document": 1, "bill": 1, "page": 1}, {"document": 1, "bill": 2, "page": 3},
                      {"document": 1, "bill": 2, "page": 3}]


def test_a_bill_repeated_in_a_bundle_goes_to_review_instead_of_being_paid_twice() -> None:
    member = Member(member_id="M-1", plan_id="GOLD-PPO", coverage_start=dt.date(2025, 1, 1))
    plan = load_plans().get("GOLD-PPO")
    visit = _bill("Lakeside Clinic", 1, [("99213", "105.00")])
    twice = combine_bills(DOC, [([1], 0.9, visit), ([2], 0.9, shift_pages(visit, 1))])
    d = adjudicate(twice, member, plan, Accumulators(), [], today=dt.date(2026, 4, 1))
    assert d.outcome is Outcome.PENDING_REVIEW and d.payable == 0
    assert [t["result"] for t in d.trace if t["rule"] == "duplicates.repeated_bill/v1"] == ["review"]
    assert any("Bills 1 and 2" in r.message for r in d.reasons)
    d = adjudicate(bundle(), member, plan, Accumulators(), [], today=dt.date(2026, 4, 1))  # two different bills
    assert [t["result"] for t in d.trace if t["rule"] == "duplicates.repeated_bill/v1"] == ["pass"]


def test_a_claim_of_a_bundle_and_another_document_keeps_each_line_s_bill() -> None:
    other = _bill("Pharmacy", 1, [("J1100", "12.50")]).model_copy(update={
        "document": DocumentRef(file="rx.pdf", sha256="e" * 64, pages=1, kind="digital_pdf")})
    merged = merge_extractions([other, bundle()])
    assert isinstance(merged, ClaimExtraction)
    assert [(s.document, s.bill, s.page) for s in merged.line_sources] == [(1, None, 1), (2, 1, 1), (2, 2, 3),
                                                                           (2, 2, 3)]
    assert [(b.document, b.first_line) for b in merged.bills or []] == [(2, 1), (2, 2)]
    assert merged.bill_of_line(3) is not None and merged.bill_of_line(3).provider.name == "Lakeside Lab"  # type: ignore[union-attr]
    assert "bill" not in json.dumps(merged.to_json_dict()["line_sources"][0])  # one-bill documents: as before


# --- scoring ------------------------------------------------------------------------------------------------------


def test_eval_scores_bundles_per_bill_and_counts_single_bills_read_as_several() -> None:
    from claimflow.evaluation.compare import add_pair, new_report

    truth_json = bundle().to_json_dict()
    report = new_report()
    add_pair(report, truth_json, truth_json)  # read right
    one_bill = {**truth_json, "bills": None}
    add_pair(report, one_bill, truth_json)  # read as one bill: the split and both bills missed
    wrong_total = copy.deepcopy(truth_json)
    wrong_total["bills"][1]["total"] = "69.00"
    add_pair(report, wrong_total, truth_json)
    single = _bill("Lakeside Clinic", 1, [("99213", "105.00")]).to_json_dict()
    add_pair(report, truth_json, single)  # a single bill read as two
    b = report.bundles.as_dict()
    assert (b["bundles"], b["bills"], b["single_documents"], b["false_splits"]) == (3, 6, 1, 1)
    assert b["split_accuracy"] == pytest.approx(2 / 3, abs=1e-3) and b["bills_found"] == pytest.approx(4 / 6, abs=1e-3)
    assert b["bill_total"] == pytest.approx(3 / 6, abs=1e-3)
