"""Tie every model value to the report text, or throw it away.

A proposal survives only if (1) its quote is found in the text — verbatim (``llm-exact``), after
normalising full-width characters, punctuation and whitespace (``llm-normalised``), or approximately,
comparing normalised characters, which suits CJK text where every character is a token
(``llm-fuzzy``, rapidfuzz partial alignment inside the windows the model was shown) — and (2) the
text found there states the value: the same number in any written form (service.numbers), a zero
word (无, 未发生 …) for 0, or the string itself. The evidence is always the report's own text at the
located span, never the model's wording.

A value that only appears inside a longer run of digits ("713000074" for 74) is rejected: splitting
glued table cells by plausibility is exactly what must not settle a number. So is a count read off a
date ("2019年", "12月31日"), and a passage that states the number but names none of the key's wordings
(nor its group's words) within ``LABEL_REACH`` characters before it: a real number quoted for the wrong
metric is the hallucination the quote check alone cannot see, and evidence that does not show the
metric is no evidence.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from service.core import Found, How
from service.lexicon import LABEL_THEN_NUMBER, group_terms, search_terms
from service.numbers import NUMBER_RE, ZERO_WORDS, parse_number, to_halfwidth, yuan_to_wan
from service.schema import FIELD_TYPES

FUZZY_MIN_SCORE = 88.0  # rapidfuzz partial ratio (0–100) for an approximate quote
FUZZY_MIN_CHARS = 6  # shorter quotes must match exactly or after normalising
PROSE_LABELS: dict[str, list[str]] = {}
for _label, _key, _gap in LABEL_THEN_NUMBER:
    PROSE_LABELS.setdefault(_key, []).append(_label)
DATE_PART = re.compile(r"\s*(?:年|月|日|号)")
LABEL_REACH = 40  # characters before a quote searched for the key's wordings

_PUNCT = str.maketrans(
    {
        "、": ",",
        "。": ".",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "【": "[",
        "】": "]",
        "〔": "[",
        "〕": "]",
        "—": "-",
        "–": "-",
        "─": "-",
        "·": ".",
        "…": ".",
    }
)
_QUOTE_EDGES = " \t\r\n\"'“”‘’「」『』.。…,，;；:："


def _norm_char(char: str) -> str:
    return to_halfwidth(char).translate(_PUNCT).lower()


def normalise(text: str) -> tuple[str, list[int]]:
    """Text with full-width → ASCII, CJK punctuation → ASCII, whitespace removed; plus, for each
    character kept, its offset in the original text."""
    chars: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        if char.isspace() or char == "\u3000":
            continue
        chars.append(_norm_char(char))
        index.append(offset)
    return "".join(chars), index


@dataclass(frozen=True)
class Located:
    start: int
    end: int
    how: How
    score: float = 100.0


@dataclass(frozen=True)
class Rejected:
    key: str
    value: Any
    quote: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "quote": self.quote[:120], "reason": self.reason}


class Grounder:
    """Locates quotes in one document's text (normalised once) and checks they state the value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.norm, self.index = normalise(text)

    # ------------------------------------------------------------------ where is the quote?

    def locate(self, quote: str, near: list[tuple[int, int]] | None = None) -> Located | None:
        quote = quote.strip(_QUOTE_EDGES)
        if not quote:
            return None
        near = near or [(0, len(self.text))]
        exact = _best(_find_all(self.text, quote), near)
        if exact is not None:
            return Located(exact, exact + len(quote), "llm-exact")
        norm_quote, _ = normalise(quote)
        if not norm_quote:
            return None
        hits = _find_all(self.norm, norm_quote)
        if hits:
            norm_hit = _best(hits, [(self._norm_pos(s), self._norm_pos(e)) for s, e in near])
            assert norm_hit is not None
            return Located(self.index[norm_hit], self.index[norm_hit + len(norm_quote) - 1] + 1, "llm-normalised")
        if len(norm_quote) < FUZZY_MIN_CHARS:
            return None
        return self._fuzzy(norm_quote, near)

    def _norm_pos(self, offset: int) -> int:
        return bisect_left(self.index, offset)

    def _fuzzy(self, norm_quote: str, near: list[tuple[int, int]]) -> Located | None:
        best: Located | None = None
        for start, end in near:
            lo, hi = self._norm_pos(start), self._norm_pos(end)
            segment = self.norm[lo:hi]
            if not segment:
                continue
            found = fuzz.partial_ratio_alignment(norm_quote, segment, score_cutoff=FUZZY_MIN_SCORE)
            if found is None or found.dest_end - found.dest_start < 0.8 * len(norm_quote):
                continue
            if best is None or found.score > best.score:
                ds, de = _tighten(norm_quote, segment, found.dest_start, found.dest_end)
                best = Located(self.index[lo + ds], self.index[lo + de - 1] + 1, "llm-fuzzy", round(found.score, 1))
        return best

    # ------------------------------------------------------------------ does it state the value?

    def states(self, key: str, value: Any, start: int, end: int) -> tuple[str, bool] | str:
        """('number' | 'zero-word' | 'text', approximate) when the span states ``value``; else the reason."""
        span = self.text[start:end]
        kind = FIELD_TYPES.get(key)
        if kind in ("str", "date"):
            plain = "".join(span.split())
            if kind == "str" and "".join(str(value).split()) in plain:
                return "text", False
            if kind == "date" and all(str(int(part)) in plain for part in str(value).split("-")):
                return "text", False
            return "the quoted text does not contain the value"
        glued = False
        plain = to_halfwidth(span)
        for match in NUMBER_RE.finditer(plain):
            number = parse_number(match.group())
            if number is None or (kind != "wan" and DATE_PART.match(plain, match.end())):
                continue  # 2019年, 12月31日: a date, not a count
            if _same_number(kind, value, number.value, number.unit_multiplier):
                return "number", number.approximate
        if value == 0 and any(word in span for word in ZERO_WORDS):
            return "zero-word", False
        if kind != "wan" and isinstance(value, int):
            glued = any(str(abs(value)) in run.group() for run in re.finditer(r"\d{2,}", to_halfwidth(span)))
        if glued:
            return "the value only appears inside a longer run of digits (glued table cells)"
        return "the quoted text does not contain the value"

    # ------------------------------------------------------------------ both

    def ground(
        self, key: str, value: Any, quote: str, near: list[tuple[int, int]] | None = None, **extra: Any
    ) -> Found | Rejected:
        located = self.locate(quote, near)
        if located is None:
            return Rejected(key, value, quote, "quote not found in the report text")
        verdict = self.states(key, value, located.start, located.end)
        if isinstance(verdict, str):
            return Rejected(key, value, quote, verdict)
        number_match, approximate = verdict
        note = f"model value, quote matched {located.how.removeprefix('llm-')}"
        if located.how == "llm-fuzzy":
            note += f" (score {located.score:g})"
        how = located.how
        named = self.names_metric(key, located.start, located.end)
        if not named:
            return Rejected(key, value, quote, "the passage does not name the metric")
        return Found(
            key=key,
            value=value,
            start=located.start,
            end=located.end,
            source="llm",
            how=how,
            approximate=approximate,
            note=note,
            extra={
                "quote": quote,
                "match": located.how,
                "score": located.score,
                "value_match": number_match,
                "names_metric": named,
                **extra,
            },
        )

    def names_metric(self, key: str, start: int, end: int) -> bool:
        """Whether one of the key's wordings (or its group's words, or a prose label the anchors know for it)
        appears in or just before the span."""
        context = "".join(self.text[max(0, start - LABEL_REACH) : end].split())
        if any(term in context for term in search_terms(key) + group_terms(key)):
            return True
        return any(re.search(label, context) for label in PROSE_LABELS.get(key, ()))


def _find_all(haystack: str, needle: str) -> list[int]:
    hits, start = [], haystack.find(needle)
    while start != -1:
        hits.append(start)
        start = haystack.find(needle, start + 1)
    return hits


def _best(hits: list[int], near: list[tuple[int, int]]) -> int | None:
    """The first hit inside the windows shown, else the first hit anywhere."""
    for hit in hits:
        if any(start <= hit < end for start, end in near):
            return hit
    return hits[0] if hits else None


def _same_number(kind: str | None, value: Any, written: float, multiplier: int) -> bool:
    if kind == "wan":
        candidates = [written, yuan_to_wan(written)]
        if multiplier == 10_000:
            candidates.append(written / 10_000)  # "1.2万元" is 1.2 万元
        return any(abs(c - value) < 0.005 for c in candidates)
    if kind == "signed":
        return abs(written) == abs(value)
    return written == value


def _tighten(quote: str, segment: str, start: int, end: int, slack: int = 3) -> tuple[int, int]:
    """partial_ratio aligns a window as long as the quote; move its ends by a few characters to the
    span most like the quote (shortest on ties), so the evidence does not drag in a neighbour."""
    best = (fuzz.ratio(quote, segment[start:end]), -(end - start), start, end)
    for ds in range(max(0, start - slack), start + slack + 1):
        for de in range(max(ds + 1, end - slack), min(len(segment), end + slack) + 1):
            candidate = (fuzz.ratio(quote, segment[ds:de]), -(de - ds), ds, de)
            best = max(best, candidate)
    return best[2], best[3]
