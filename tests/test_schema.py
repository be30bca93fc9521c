"""The result contract's typed parts keep the JSON they always had."""

from __future__ import annotations

from service.schema import LlmProvenance, Provenance, ReportInfo, Result

OLD_LLM_JSON = {  # provenance.llm as results stored before it was typed carry it
    "model": "m",
    "mode": "tools",
    "base_url": None,
    "prompt_version": "prose.v1+rules.v1",
    "calls": 2,
    "prompt_tokens": 900,
    "completion_tokens": 80,
    "cache_hits": 0,
    "errors": [],
    "asked": {"prose": ["active.total"]},
    "keys_not_in_text": 1,
    "window_chars": 300,
    "window_tokens_estimate": 200,
    "whole_report_tokens_estimate": 700,
    "text_tokens_estimate": 650,
    "accepted": 1,
    "rejected": [{"key": "review.total", "value": 3, "quote": "x", "reason": "quote not found in the report text"}],
    "elapsed_seconds": 1.5,
}


def test_model_provenance_is_typed_and_its_json_is_unchanged() -> None:
    result = Result(
        report=ReportInfo(id="r", sha256="0", chars=1),
        template=None,
        fields={},
        provenance=Provenance(extractor="x", model="m", llm=OLD_LLM_JSON),  # type: ignore[arg-type]
    )
    assert isinstance(result.provenance.llm, LlmProvenance) and result.provenance.llm.calls == 2
    assert result.contract()["provenance"]["llm"] == OLD_LLM_JSON  # nulls kept, nothing added or dropped
    assert Result.model_validate(result.contract()).provenance.llm == result.provenance.llm
