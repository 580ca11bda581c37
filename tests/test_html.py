"""feedback.html and report.html, read back as a browser would: the rows, the embedded pictures, the links.

A small class (the reference, two usual mistakes, a file that cannot be imported) is graded into a folder
through the real grader; the pages it leaves there are parsed with html.parser.
"""
from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import matplotlib.image
import pytest

from autograder import cli, paths
from autograder.batch import Settings, grade_all
from autograder.emit import class_report, html
from autograder.judge.report import Report
from autograder.submission import discover

MISTAKES = Path(__file__).parent / "diagnoses"
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """The parts of a page the tests look at: table rows by class (with their text), images, links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []       # (class, text)
        self.images: list[dict] = []
        self.links: list[str] = []
        self._row: list | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = [attrs.get("class", ""), []]
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append((self._row[0], " ".join(" ".join(self._row[1]).split())))
            self._row = None

    def handle_data(self, data):
        if self._row is not None:
            self._row[1].append(data)

    def rows_of(self, cls: str) -> list[str]:
        return [text for c, text in self.rows if cls in c.split()]


def png_of(src: str) -> bytes:
    assert src.startswith("data:image/png;base64,"), src[:40]
    return base64.b64decode(src.split(",", 1)[1], validate=True)


def assert_png(data: bytes) -> None:
    """A real PNG with pixels, decoded by matplotlib's reader (not just a header)."""
    assert data.startswith(PNG)
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(out folder, student -> Report) for a class of four."""
    folder = tmp_path_factory.mktemp("class")
    reference = paths.REFERENCE_MODULE.read_text(encoding="utf-8")
    (folder / "reference.py").write_text(reference, encoding="utf-8")
    for name in ("corr2d_flipped_kernel", "learn_kernel_mean", "receptive_field_region_at_origin", "import_fails"):
        (folder / f"{name}.py").write_text(reference + "\n\n" + (MISTAKES / f"{name}.py").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    out = folder / "out"
    reports = grade_all(discover(sorted(folder.glob("*.py"))), settings=Settings(jobs=2), out=out)
    return out, {r.student: r for r in reports}


def test_every_student_gets_a_feedback_page_with_one_row_per_check(graded):
    """Does each feedback.html list every check once, with the verdict the report holds?"""
    out, reports = graded
    for student, report in reports.items():
        page = Page((out / student / "feedback.html").read_text(encoding="utf-8"))
        rows = page.rows_of("check")
        assert len(rows) == len(report.results)
        for text, result in zip(rows, report.results):
            assert text.startswith(result.name)
            assert ("PASS" if result.passed else "FAIL") in text.split()[-1]
            if not result.passed and result.diagnosis:
                assert result.diagnosis in text


def test_a_mistake_is_named_at_the_top_and_pictured(graded):
    """Does the flipped-kernel page name the mistake, and draw three pictures that decode as PNG?"""
    out, _ = graded
    text = (out / "corr2d_flipped_kernel" / "feedback.html").read_text(encoding="utf-8")
    page = Page(text)
    assert "Likely mistakes" in text and "kernel flipped: convolution, not cross-correlation" in text
    assert [img["alt"] for img in page.images] == [
        "Your edge image and your corr2d's edge map beside the chapter's",
        "Your training loss per step beside the reference curve",
        "The receptive field of one output element drawn on the input grid"]
    for img in page.images:
        assert_png(png_of(img["src"]))
    assert "Graded with the reference `corr2d` in place of yours" in text     # on the Conv2D checks, which passed


def test_pictures_say_whether_they_show_the_expected_answer(graded):
    """Is a picture of a wrong answer marked as differing, and one of a right answer as expected?"""
    out, _ = graded
    pictures = {student: html.pictures(Report.from_dict(json.loads((out / student / "report.json").read_text())))
                for student in ("reference", "corr2d_flipped_kernel", "receptive_field_region_at_origin")}
    assert all(p.matches for p in pictures["reference"])
    assert {p.title: p.matches for p in pictures["corr2d_flipped_kernel"]}["Edge detection"] is False
    assert {p.title: p.matches for p in pictures["receptive_field_region_at_origin"]}["Receptive field"] is False


def test_a_file_that_cannot_be_imported_still_gets_a_page(graded):
    """With nothing to draw, is the page still complete: every check failed, no picture, the reason shown?"""
    out, reports = graded
    page = Page((out / "import_fails" / "feedback.html").read_text(encoding="utf-8"))
    assert page.images == []
    assert len(page.rows_of("check-failed")) == len(reports["import_fails"].results)


def test_class_report_links_resolve_and_pictures_decode(graded):
    """Does report.html have a row and a working link for each student, and charts that decode as PNG?"""
    out, reports = graded
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    rows = page.rows_of("student")
    assert sorted(row.split()[0] for row in rows) == sorted(reports)
    assert len(page.links) == len(reports)
    for link in page.links:
        target = out / unquote(urlparse(link).path)
        assert target.is_file() and target.name == "feedback.html"
    assert len(page.images) == 2
    for img in page.images:
        assert_png(png_of(img["src"]))


def test_class_report_ranks_checks_and_mistakes(graded):
    """Are the most failed checks first, and every diagnosis counted once per student?"""
    out, reports = graded
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    rates = [int(text.split()[-1].rstrip("%")) for text in page.rows_of("rate")]
    assert rates == sorted(rates, reverse=True) and rates[0] > 0
    rows = page.rows_of("mistake")
    expected = class_report.frequent_mistakes(list(reports.values()))
    assert len(rows) == len(expected)
    for row, m in zip(rows, expected):
        assert row.startswith(m.diagnosis) and row.endswith(f"{m.students} {m.checks}")
    flipped = next(m for m in expected if m.diagnosis.startswith("kernel flipped"))
    assert flipped.students == 1 and flipped.parts == ("corr2d",)
    imported = next(m for m in expected if m.diagnosis == "import failed")
    assert imported.checks == len(reports["import_fails"].results)


def test_hidden_checks_keep_nothing_for_pictures(graded):
    """Is observed data kept for visible checks only, so no hidden input can reach a page?"""
    _, reports = graded
    for report in reports.values():
        assert all(r.observed == {} for r in report.results if not r.visible)
    assert any(r.observed for r in reports["reference"].results)


def test_report_round_trips_with_observations(graded):
    """Does a Report with observed data survive to_dict -> JSON -> from_dict unchanged?"""
    _, reports = graded
    report = reports["learn_kernel_mean"]
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_convkit_report_rebuilds_the_pages(graded, tmp_path):
    """Does `convkit report DIR` write report.html and every feedback.html again from the report.json files?"""
    out, reports = graded
    before = (out / "report.html").read_text(encoding="utf-8")
    (out / "report.html").unlink()
    (out / "learn_kernel_mean" / "feedback.html").unlink()
    assert cli.main(["report", str(out)]) == 0
    assert (out / "report.html").read_text(encoding="utf-8") == before
    assert Page((out / "learn_kernel_mean" / "feedback.html").read_text(encoding="utf-8")).images


def test_convkit_report_refuses_a_missing_folder(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
