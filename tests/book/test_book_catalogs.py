"""The Korean catalogs (locales/ko/LC_MESSAGES): markup kept, and at least 95 % translated.

``scripts/check_translations.py --min-share 95`` runs on the real catalogs and prints the share
of translated, non-fuzzy messages; it fails below 95 % (so it fails until the translations are
in). The unit tests below prove the check itself on small catalogs made here: a share under
and over the threshold, fuzzy entries not counted, broken markup caught.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from scripts.check_translations import LOCALES, kept_parts
from scripts.check_translations import main as check_translations

ROOT = Path(__file__).resolve().parents[2]
MIN_SHARE = 95

#: (English, Korean) messages with markup that the translation keeps.
GOOD = [
    (
        "A **loss function** maps outputs to one number.",
        "**손실 함수**는 출력을 수 하나로 바꿉니다.",
    ),
    ("The gradient `grad` of $L$ at $x$.", "$x$에서 $L$의 기울기 `grad`입니다."),
    (
        "See {ref}`sec-mini-batches` and {numref}`fig-loss`.",
        "{ref}`sec-mini-batches`와 {numref}`fig-loss`를 보세요.",
    ),
    (
        "The [textbook](https://example.org/book) says so.",
        "[교재](https://example.org/book)에 그렇게 나옵니다.",
    ),
]


def make_catalog(
    path: Path, entries: list[tuple[str, str]], fuzzy: frozenset[int] = frozenset()
) -> Path:
    """Write a .po file of ``entries`` (msgid, msgstr); the indices in ``fuzzy`` are fuzzy."""
    catalog = Catalog(locale="ko", project="dlfs")
    for index, (english, korean) in enumerate(entries):
        catalog.add(english, korean, flags=("fuzzy",) if index in fuzzy else ())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = check_translations([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_real_catalogs_are_translated(capsys: pytest.CaptureFixture[str]) -> None:
    """The real catalogs: markup kept and at least 95 % translated (fails until the Korean
    edition's translations are merged; the share is printed either way)."""
    assert sorted(LOCALES.rglob("*.po")), f"no catalogs in {LOCALES}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_translations.py"), "--min-share", "95"],
        capture_output=True,
        text=True,
        check=False,
    )
    share = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    with capsys.disabled():
        print(f"\n[catalogs] {share}")
    assert result.returncode == 0, f"{share}\n{result.stderr[-3000:]}"


def test_one_english_message_has_one_korean_translation() -> None:
    """A heading or sentence that recurs on several pages ("Answers", "The graded assignment")
    reads the same in Korean on every page. A message kept in English on purpose (the
    glossary's English column) does not count."""
    translations: dict[str, dict[str, str]] = {}
    for po in sorted(LOCALES.rglob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                text = message.string
                if message.id and text and not message.fuzzy and text != message.id:
                    translations.setdefault(str(message.id), {})[po.stem] = str(text)
    differ = {m: pages for m, pages in translations.items() if len(set(pages.values())) > 1}
    assert not differ, "one English message, several Korean ones: " + "\n".join(
        f"{m!r}: {pages}" for m, pages in differ.items()
    )


def test_share_over_the_threshold_passes(tmp_path: Path, capsys) -> None:
    entries = GOOD * 5  # 20 messages, 19 translated: 95 %
    entries = [(f"{en} ({i})", f"{ko} ({i})") for i, (en, ko) in enumerate(entries)]
    entries[-1] = (entries[-1][0], "")
    po = make_catalog(tmp_path / "chapters" / "01.po", entries)
    status, out, err = run(capsys, "--min-share", MIN_SHARE, po)
    assert status == 0, out + err
    assert "19/20 translated and not fuzzy (95.0 %)" in out


def test_share_under_the_threshold_fails_and_says_so(tmp_path: Path, capsys) -> None:
    entries = [(f"{en} ({i})", f"{ko} ({i})" if i < 2 else "") for i, (en, ko) in enumerate(GOOD)]
    po = make_catalog(tmp_path / "intro.po", entries)
    status, out, err = run(capsys, "--min-share", MIN_SHARE, po)
    assert status == 1
    assert "2/4 translated and not fuzzy (50.0 %)" in out
    assert "below the required 95 %" in err


def test_fuzzy_entries_are_not_counted(tmp_path: Path, capsys) -> None:
    po = make_catalog(tmp_path / "glossary.po", GOOD, fuzzy=frozenset({0, 3}))
    status, out, _ = run(capsys, "--min-share", MIN_SHARE, po)
    assert status == 1
    assert "2/4 translated and not fuzzy (50.0 %)" in out
    status, out, _ = run(capsys, "--min-share", 50, po)
    assert status == 0, out


@pytest.mark.parametrize(
    ("english", "korean", "lost"),
    [
        ("Call `softmax(x)` first.", "먼저 softmax(x)를 호출합니다.", "code:softmax(x)"),
        ("Here $y = Wx$ holds.", "여기서 $y = xW$가 성립합니다.", "math:$y = Wx$"),
        ("See {ref}`sec-loss`.", "{ref}`sec-losses`를 보세요.", "{ref}sec-loss"),
        ("A [page](https://a.org/x).", "[쪽](https://a.org/y)입니다.", "link:https://a.org/x"),
    ],
)
def test_broken_markup_is_caught(tmp_path: Path, capsys, english, korean, lost) -> None:
    po = make_catalog(tmp_path / "page.po", [(english, korean)])
    status, out, err = run(capsys, po)
    assert status == 1, out + err
    assert "markup changed" in err and lost in err, err
    assert "1/1 translated" in out


def test_translated_role_text_keeps_the_target() -> None:
    """{ref}`한국어 설명 <sec-x>` keeps the target sec-x: not a change of markup."""
    assert kept_parts("{ref}`the loss <sec-loss>`") == kept_parts("{ref}`손실 <sec-loss>`")


# ---------------------------------------------------------------------------------------------
# ./run catalogs (scripts/update-catalogs.sh), on a copy of the repository

CHANGED = (
    "To improve a network we need to say, with one number, how wrong it is.",
    "To improve a network we must say, with a single number, how wrong it is.",
)


@pytest.mark.slow
def test_update_catalogs_turns_a_changed_paragraph_fuzzy(
    book_html: Path, repo_copy, run_script
) -> None:
    """Translate a paragraph, change its English, refresh the catalogs: the entry keeps its
    translation, marked fuzzy (so the Korean edition shows the new English), and the other
    catalogs keep every message."""
    copy = repo_copy((".ko", ".doctrees"))
    po = copy / "locales" / "ko" / "LC_MESSAGES" / "chapters" / "03_loss.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    before = {path.relative_to(copy): _ids(path) for path in (copy / "locales").rglob("*.po")}
    message = next(m for m in catalog if m.id and str(m.id).startswith(CHANGED[0]))
    message.string = "신경망을 개선하려면 ..."
    with po.open("wb") as fh:
        write_po(fh, catalog)
    chapter = copy / "chapters" / "03_loss.md"
    text = chapter.read_text(encoding="utf-8")
    assert CHANGED[0] in text
    chapter.write_text(text.replace(CHANGED[0], CHANGED[1]), encoding="utf-8")

    output = run_script(copy, "update-catalogs.sh")
    assert "Executing notebook" not in output, "the English execution cache was not used"

    with po.open("rb") as fh:
        updated = {str(m.id): m for m in read_po(fh) if m.id}
    new = next(m for id_, m in updated.items() if id_.startswith(CHANGED[1]))
    assert new.fuzzy and new.string == "신경망을 개선하려면 ...", (new.flags, new.string)
    assert not any(id_.startswith(CHANGED[0]) for id_ in updated)
    for path, ids in before.items():
        now = _ids(copy / path)
        if path.name != "03_loss.po":
            assert now == ids, f"{path}: messages changed although its page did not"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {str(m.id) for m in read_po(fh) if m.id}
