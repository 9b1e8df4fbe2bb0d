"""`claimflow samples ...` commands: generate documents with ground truth, and rebuild the committed sample set."""

from __future__ import annotations

from pathlib import Path

import typer

from claimflow.cli.common import console, handle_errors

app = typer.Typer(help="Generate realistic medical bills with ground truth.", no_args_is_help=True)

LAYOUT_NAMES = ("clinic", "hospital", "pharmacy", "lab", "dental_vision", "hospital_in", "pharmacy_in", "clinic_my",
                "clinic_sg")
#: drawn when neither --kinds nor --locale is given (the other countries' layouts only when asked for)
DEFAULT_LAYOUTS = LAYOUT_NAMES[:5]
LOCALE_NAMES = ("us", "in", "my", "sg")
FORMAT_NAMES = ("png", "jpeg", "tiff", "scanned_pdf", "digital_pdf")


def _split(values: list[str] | None, allowed: tuple[str, ...], what: str,
           default: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not values:
        return default or allowed
    out: list[str] = []
    for v in values:
        for part in v.split(","):
            part = part.strip()
            if part not in allowed:
                raise typer.BadParameter(f"unknown {what} {part!r}; choose from {', '.join(allowed)}")
            out.append(part)
    return tuple(dict.fromkeys(out))


@app.command("generate")
@handle_errors
def generate_cmd(
    out: Path = typer.Option(..., "--out", help="Directory to write documents, truth files, manifest and members."),
    count: int = typer.Option(20, "--count", min=0, help="Number of documents (single bills)."),
    seed: int = typer.Option(0, "--seed", help="Documents depend only on (seed, index): same seed, same bytes."),
    kinds: list[str] | None = typer.Option(
        None, "--kinds", "--layout",
        help=f"Layouts to draw from (repeat or comma-separate): {', '.join(LAYOUT_NAMES)}. Default: the US-style "
             f"five ({', '.join(DEFAULT_LAYOUTS)})."),
    locales: list[str] | None = typer.Option(
        None, "--locale", help=f"Draw from the layouts of these locales: {', '.join(LOCALE_NAMES)} (us: the five "
                               "US-style layouts; in: hospital_in, pharmacy_in; my: clinic_my; sg: clinic_sg). "
                               "Combined with --kinds: the layouts in both."),
    formats: list[str] | None = typer.Option(
        None, "--formats", help=f"File formats to draw from: {', '.join(FORMAT_NAMES)}."),
    start: int = typer.Option(0, "--start", min=0, help="First document index (to extend a set)."),
    workers: int = typer.Option(2, "--workers", min=1, max=2, help="Processes (at most 2)."),
    handwritten: bool = typer.Option(
        False, "--handwritten", help="Every bill written by hand: wholly, or a printed form filled in by hand "
                                     "(the set `claimflow model handwriting` is fitted on)."),
    bundles: int = typer.Option(
        0, "--bundles", min=0, help="Also write this many bundles: one PDF holding 2-4 separate bills of one patient "
                                    "(bundle-sSEED-NNNNN.pdf; truth lists each bill with its pages, docs/samples.md)."),
) -> None:
    """Write COUNT bills with NAME.<ext>, NAME.truth.json, NAME.truth.txt, plus manifest.json and members.yaml."""
    from claimflow.samples.bundle import BUNDLE_FORMATS, generate_bundles
    from claimflow.samples.generate import generate, write_run_files

    from claimflow.samples.content import LOCALE_LAYOUTS

    layouts = _split(kinds, LAYOUT_NAMES, "kind", DEFAULT_LAYOUTS)
    if locales:
        chosen = {name for loc in _split(locales, LOCALE_NAMES, "locale") for name in LOCALE_LAYOUTS[loc]}
        layouts = tuple(name for name in (layouts if kinds else LAYOUT_NAMES) if name in chosen)
        if not layouts:
            raise typer.BadParameter("no layout is both in --kinds and in --locale", param_hint="--locale")
    fmts = _split(formats, FORMAT_NAMES, "format")
    if count == 0 and bundles == 0:
        raise typer.BadParameter("nothing to write: give --count or --bundles above 0")
    results = generate(out, count=count, seed=seed, layouts=layouts, formats=fmts, workers=workers, start=start,
                       handwritten=handwritten)
    if bundles:
        results += generate_bundles(out, count=bundles, seed=seed, layouts=layouts,
                                    formats=tuple(f for f in fmts if f in BUNDLE_FORMATS) or BUNDLE_FORMATS,
                                    start=start)
        write_run_files(out, results)
    console.print(f"wrote {len(results)} documents with truth to {out}")


@app.command("curate")
@handle_errors
def curate_cmd(
    out: Path = typer.Option(Path("sample_docs"), "--out", help="Where the curated set goes (sample_docs/)."),
) -> None:
    """Rebuild the committed sample set: curated documents, truth, members.yaml and bad/ inputs."""
    from claimflow.samples.sampleset import write_sample_set

    n = write_sample_set(out)
    console.print(f"wrote {n} curated documents and the bad/ inputs to {out}")
