"""Offline search for the Korean edition: a Sphinx search language ``ko``.

Sphinx has no Korean search language. Its fallback (English) indexes the whitespace-separated
word, and a Korean word carries its particle: the page says 손실을, 손실이, 손실의, so a search
for 손실 finds nothing (Sphinx looks for parts of words only in queries of three or more
letters, and most Korean nouns have two syllables).

This search language strips the particles (조사) and the copula at the end of a Hangul word,
in Python when the index is built and in JavaScript when a reader searches, with one list of
endings for both: 손실을, 손실이 and 손실 are all indexed and searched as 손실, and
기울기를 as 기울기. Words without Hangul (English text, code names, and the English paragraphs
an untranslated page falls back to) get the English stemmer, as in the English edition.

Why not character bigrams (the other usual answer for CJK search): they split every word
into pairs that also occur across word boundaries, so a two-syllable query matches pages
that never use the word, and they make the index several times larger. Stripping endings keeps
one index entry per word; its cost is a word that happens to end in a particle's letter
(평가 -> 평), which is harmless because the query is stripped the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

import snowballstemmer
from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish, js_porter_stemmer

#: Endings removed from a Hangul word, longest first: particles (조사) and the copula.
PARTICLES = tuple(
    sorted(
        """
        에서부터 으로부터 에서는 에서도 에게서 으로는 으로도 이라는 이라고 입니다 이었다
        에서 에게 한테 으로 로서 로써 부터 까지 보다 처럼 마다 만큼 이나 이며 이고 이다
        이라 라는 라고 와의 과의 에는 에도 로는 로도 의의 만을 만의
        은 는 이 가 을 를 의 에 와 과 도 만 로 나 며
        """.split(),
        key=len,
        reverse=True,
    )
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: What a Hangul word keeps at least once its endings are removed (one syllable: 값, 층).
_MIN_STEM = 1


def strip_particles(word: str) -> str:
    """``word`` without the particles at its end (손실을 -> 손실, 함수에서는 -> 함수).

    Endings are removed as long as one matches and a syllable is left; the result is the same
    whatever particle the page used, which is what makes the index and the query agree.
    """
    stripped = True
    while stripped:
        stripped = False
        for particle in PARTICLES:
            if word.endswith(particle) and len(word) - len(particle) >= _MIN_STEM:
                word = word[: -len(particle)]
                stripped = True
                break
    return word


class SearchKorean(SearchEnglish):
    """Korean words without their particles; other words stemmed as English."""

    lang = "ko"
    language_name = "Korean"
    # The JavaScript twin of stem(): Sphinx's Porter stemmer for words without Hangul, the same
    # particle list for words with it.
    js_stemmer_code = (
        js_porter_stemmer.replace("var Stemmer = function", "var PorterStemmer = function")
        + """
var Stemmer = function() {
  const porter = new PorterStemmer();
  const particles = PARTICLES;
  const hangul = /[\\uac00-\\ud7a3]/;
  this.stemWord = function(w) {
    let word = w.toLowerCase();
    for (let stripped = true; stripped;) {
      stripped = false;
      for (const p of particles) {
        if (word.endsWith(p) && word.length - p.length >= MIN_STEM) {
          word = word.slice(0, -p.length);
          stripped = true;
          break;
        }
      }
    }
    return hangul.test(word) ? word : porter.stemWord(word);
  };
};
""".replace("PARTICLES", json.dumps(list(PARTICLES), ensure_ascii=False)).replace(
            "MIN_STEM", str(_MIN_STEM)
        )
    )

    def init(self, options: dict[str, str]) -> None:
        self.stemmer = snowballstemmer.stemmer("porter")

    def stem(self, word: str) -> str:
        word = strip_particles(word.lower())
        return word if _HANGUL.search(word) else self.stemmer.stemWord(word)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
