"""The Korean search language (scripts/book_ext/dlfs_search_ko.py), without a build.

The index is built in Python and searched in JavaScript: both must reduce a word to the same
key, or a search finds nothing. The JavaScript stemmer is run here in Chromium on the same
words as the Python one.
"""

from __future__ import annotations

import pytest

from scripts.book_ext.dlfs_search_ko import PARTICLES, SearchKorean, strip_particles

#: A word as a page writes it -> the key it is indexed and searched under.
KEYS = {
    "손실": "손실",
    "손실을": "손실",
    "손실이": "손실",
    "손실의": "손실",
    "함수에서는": "함수",
    "기울기를": "기울기",
    "기울기": "기울기",
    "가중치가": "가중치",
    "값을": "값",
    "은": "은",  # a lone particle stays a word
    "ReLU를": "relu",
    "im2col은": "im2col",
}
ENGLISH = ["gradients", "Perceptron", "softmax", "cross", "entropy", "running"]


@pytest.mark.parametrize("word", KEYS)
def test_particles_are_stripped(word: str) -> None:
    assert SearchKorean({}).stem(word) == KEYS[word]


def test_stripping_is_idempotent_so_query_and_index_agree() -> None:
    for word in KEYS:
        once = strip_particles(word)
        assert strip_particles(once) == once


def test_english_words_are_stemmed_as_in_the_english_edition() -> None:
    from sphinx.search.en import SearchEnglish

    english = SearchEnglish({})
    for word in ENGLISH:
        assert SearchKorean({}).stem(word) == english.stem(word)


def test_particles_are_longest_first() -> None:
    assert list(PARTICLES) == sorted(PARTICLES, key=len, reverse=True)


@pytest.mark.network
def test_javascript_stemmer_agrees_with_python(browser) -> None:
    page = browser.new_page()
    try:
        words = list(KEYS) + ENGLISH + ["평가", "정확도는", "오차역전파법으로"]
        stems = page.evaluate(
            "([code, words]) => { eval(code + '; window.S = Stemmer;');"
            " const s = new window.S(); return words.map(w => s.stemWord(w)); }",
            [SearchKorean.js_stemmer_code, words],
        )
    finally:
        page.close()
    python = [SearchKorean({}).stem(w) for w in words]
    assert stems == python
