"""How a value was found → a confidence and whether a person must look at it.

The numbers are deliberately coarse: they rank evidence, they are not probabilities. What matters is
the threshold: anything below ``REVIEW_BELOW`` is sent to review, and a failed check or a conflict
always is, whatever the confidence.
"""

from __future__ import annotations

from service.core import How

BASE_CONFIDENCE: dict[str, float] = {
    "table-identity": 0.99,
    "table-cell": 0.93,
    "table-split": 0.9,
    "table-layout": 0.7,
    "header": 0.95,
    "label-exact": 0.92,
    "label-loose": 0.75,
    "llm-exact": 0.7,
    "llm-normalised": 0.6,
    "llm-fuzzy": 0.4,
}
REVIEW_BELOW = 0.85
AGREEMENT_BONUS = 0.05  # two independent finders gave the same value
FAILED_CHECK_CAP = 0.5  # a value in a failed identity is at most this sure
CONFIRMED_MODEL_CONFIDENCE = 0.86  # a verbatim model value completing an identity of settled values
APPROXIMATE_PENALTY = 0.05
OCR_CAP = 0.8  # a value quoted from a page read by OCR (no text layer) is at most this sure: always reviewed


def confidence_for(how: How, *, approximate: bool = False, agreeing_sources: int = 1) -> float:
    score = BASE_CONFIDENCE[how]
    if agreeing_sources > 1:
        score += AGREEMENT_BONUS
    if approximate:
        score -= APPROXIMATE_PENALTY
    return round(min(score, 0.995), 3)


def needs_review(confidence: float) -> bool:
    return confidence < REVIEW_BELOW
