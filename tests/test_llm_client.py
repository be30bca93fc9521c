"""The model step against a scripted OpenAI-compatible server over real HTTP (tests/openai_stub.py).

Every fault the issue lists is scripted here and each test asserts what the proposals, the provenance
info and — through service.pipeline.extract — the result hold afterwards. Timeouts and backoffs are
shrunk through LlmSettings so the whole file runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from openai_stub import OpenAIStub, Reply, hallucinating, user_prompt

from service.core import Document, Evidence
from service.ingest import read_bytes
from service.llm.client import LlmAssistant, LlmSettings, from_env, settings_from_env
from service.llm.windows import WindowSettings
from service.pipeline import extract
from service.schema import FieldValue, Provenance, ReportInfo, Result

TEXT = """某某区人民政府2017年政府信息公开工作年度报告
发布时间：2018-03-20
一、概述
2017年，我区认真贯彻落实《中华人民共和国政府信息公开条例》，现将有关情况报告如下。
二、主动公开政府信息情况
2017年，全区共主动公开政府信息1523条，其中通过政府网站公开信息1200条。全年回应舆情12次，召开新闻发布会3场。
三、依申请公开情况
全年共受理依申请公开23件，其中当面申请5件，网上申请18件。
四、行政复议和行政诉讼情况
全年发生行政复议案件2件，未发生行政诉讼。
五、机构和人员
本年度在区政务服务中心设有政府信息公开便民查阅点４个，配备专职人员2名。
六、收费情况
全年依申请公开信息收取费用共计3500元。
"""
FILLER = "本区持续深化政务公开，推进基层政务公开标准化规范化建设，不断提升政府工作透明度。" * 40

RIGHT = [
    {"key": "capacity.reading_points", "value": 4, "quote": "政府信息公开便民查阅点４个"},
    {"key": "capacity.staff_full_time", "value": 2, "quote": "配备专职人员2名"},
]


def fast(**overrides: object) -> LlmSettings:
    base = LlmSettings(
        model="stub-model",
        api_key="test",
        timeout=2.0,
        attempts=3,
        backoff_initial=0.01,
        backoff_max=0.05,
        retry_after_max=2.0,
        budget_seconds=10.0,
        reasks=1,
        max_calls=4,
        windows=WindowSettings(call_keys=100),
    )
    return replace(base, **overrides)


def document(text: str = TEXT) -> Document:
    return read_bytes(text.encode("utf-8"), filename="synthetic-2017.txt")


def field(text: str, quote: str, value: object, *, review: bool = False) -> FieldValue:
    start = text.index(quote)
    return FieldValue(
        value=value,
        confidence=0.75 if review else 0.92,
        review=review,
        source="prose",
        evidence=Evidence(start=start, end=start + len(quote), quote=quote),
    )


def draft_for(doc: Document) -> Result:
    """A hand-made rules-only draft: what the anchors 'found' is fixed here, not by the anchors."""
    text = doc.text
    fields = {
        "active.total": field(text, "主动公开政府信息1523条", 1523),
        "response.hot_topics": field(text, "回应舆情12次", 12),
        "requests.received": field(text, "受理依申请公开23件", 23, review=True),
        "review.total": field(text, "行政复议案件2件", 2),
    }
    return Result(
        report=ReportInfo(id=doc.id, sha256=doc.sha256, chars=len(text)),
        template="legacy",
        fields=fields,
        provenance=Provenance(extractor="test"),
    )


def answer_for(truth: list[dict]) -> object:
    """A responder that answers, from ``truth``, only the keys the request asks for."""

    def respond(request: dict) -> Reply:
        prompt = user_prompt(request)
        return Reply.items(*[item for item in truth if f"- {item['key']} (" in prompt])

    return respond


@pytest.fixture
def stub():
    with OpenAIStub() as server:
        yield server


def run(stub: OpenAIStub, doc: Document | None = None, **overrides: object):
    doc = doc or document()
    assistant = LlmAssistant(fast(base_url=stub.base_url, **overrides))
    return assistant.propose(doc, draft_for(doc))


# --------------------------------------------------------------------------- right answers


def test_right_answers_are_grounded_with_their_span(stub: OpenAIStub) -> None:
    stub.queue(Reply.items(*RIGHT))
    found, info = run(stub)
    by_key = {f.key: f for f in found}
    assert set(by_key) == {"capacity.reading_points", "capacity.staff_full_time"}
    doc = document()
    for item in RIGHT:
        f = by_key[item["key"]]
        assert f.value == item["value"] and f.source == "llm" and f.how == "llm-exact"
        assert doc.text[f.start : f.end] == item["quote"]
    assert info.calls == 1 and info.errors == [] and info.accepted == 2
    assert info.prompt_tokens > 0 and info.completion_tokens > 0
    assert info.prompt_version == "prose.v1+rules.v1"
    assert info.model == "stub-model" and info.cache_hits == 0


def test_prompt_asks_only_open_keys_with_labels_and_candidates(stub: OpenAIStub) -> None:
    stub.queue(Reply.items())
    run(stub)
    prompt = user_prompt(stub.requests[0])
    # confident anchor values are not asked again; the one in review is, with its candidate shown
    assert "- active.total (" not in prompt and "- review.total (" not in prompt
    assert "- requests.received (" in prompt and "23 (from prose)" in prompt
    assert "- capacity.reading_points (integer): 设置政府信息公开查阅点数；便民查阅点X个" in prompt
    # legacy report: no template-table keys
    assert "by_applicant" not in prompt and "requests.processed_total" not in prompt
    assert "<report-window" in prompt and "quote" in stub.requests[0]["messages"][0]["content"]


def test_only_windows_of_the_text_are_sent(stub: OpenAIStub) -> None:
    long_text = TEXT.replace("五、机构和人员", FILLER + "五、机构和人员").replace("六、", FILLER + "\n六、")
    stub.queue(Reply.items())
    _, info = run(stub, document(long_text))
    sent = "".join(m["content"] for m in stub.requests[0]["messages"])
    assert FILLER not in sent  # the long run of boilerplate between the figures stays home
    assert "便民查阅点４个" in sent
    assert info.window_chars < len(long_text) / 2
    assert info.window_tokens_estimate < info.whole_report_tokens_estimate


# --------------------------------------------------------------------------- hallucinations


def test_hallucinated_number_is_rejected(stub: OpenAIStub) -> None:
    stub.queue(
        Reply.items(
            {"key": "capacity.reading_points", "value": 40, "quote": "政府信息公开便民查阅点４个"},
            {"key": "capacity.staff_full_time", "value": 2, "quote": "配备专职人员2名"},
        )
    )
    found, info = run(stub)
    assert [f.key for f in found] == ["capacity.staff_full_time"]
    assert info.rejected == [
        {
            "key": "capacity.reading_points",
            "value": 40,
            "quote": "政府信息公开便民查阅点４个",
            "reason": "the quoted text does not contain the value",
        }
    ]


def test_quote_not_in_text_is_rejected(stub: OpenAIStub) -> None:
    stub.queue(Reply.items({"key": "capacity.staff", "value": 8, "quote": "本机关共有信息公开工作人员8名"}, *RIGHT))
    found, info = run(stub)
    assert "capacity.staff" not in {f.key for f in found}
    assert info.rejected[0]["reason"] == "quote not found in the report text"
    assert info.accepted == 2


def test_reworded_quote_matches_fuzzily_and_records_how(stub: OpenAIStub) -> None:
    stub.queue(Reply.items({"key": "fees.collected", "value": 0.35, "quote": "全年依申请公开信息收取的费用共计3500元"}))
    found, _ = run(stub)
    [f] = found
    assert f.how == "llm-fuzzy" and f.extra["score"] >= 88
    assert "3500元" in document().text[f.start : f.end]


# --------------------------------------------------------------------------- validation re-asks


def test_malformed_json_is_reasked_with_the_error(stub: OpenAIStub) -> None:
    stub.queue(Reply.raw('{"items": [{"key": "capacity.staff_full_time", "value": 2,'), Reply.items(*RIGHT))
    found, info = run(stub)
    assert len(stub.requests) == 2 and info.calls == 2
    reask = json.dumps(stub.requests[1]["messages"], ensure_ascii=False)
    assert "Validation Error" in reask and "json" in reask.lower()
    assert {f.key for f in found} == {"capacity.reading_points", "capacity.staff_full_time"}


def test_schema_violation_is_reasked_with_the_validation_message(stub: OpenAIStub) -> None:
    stub.queue(Reply.items({"key": "capacity.rooms", "value": 4, "quote": "便民查阅点４个"}), Reply.items(*RIGHT))
    found, info = run(stub)
    assert len(stub.requests) == 2
    second = stub.requests[1]["messages"]
    assert len(second) > len(stub.requests[0]["messages"])
    assert "unknown key 'capacity.rooms'" in json.dumps(second, ensure_ascii=False)
    assert len(found) == 2 and info.errors == []


def test_wrong_type_reasked_then_given_up_within_the_reask_limit(stub: OpenAIStub) -> None:
    bad = Reply.items({"key": "capacity.reading_points", "value": "some", "quote": "便民查阅点４个"})
    stub.queue(bad, bad, bad)
    found, info = run(stub, reasks=1)
    assert found == [] and len(stub.requests) == 2  # first try + one re-ask, no transport retry
    assert "value must be a number" in json.dumps(stub.requests[1]["messages"], ensure_ascii=False)
    assert len(info.errors) == 1 and "failed validation after 2 attempt(s)" in info.errors[0]


# --------------------------------------------------------------------------- transport faults


def test_429_honours_retry_after(stub: OpenAIStub) -> None:
    stub.queue(Reply.http(429, "slow down", retry_after="0.4"), Reply.items(*RIGHT))
    found, info = run(stub)
    assert len(found) == 2 and info.calls == 2 and info.errors == []
    gap = stub.request_times[1] - stub.request_times[0]
    assert gap >= 0.4  # the header, not the 0.01 s backoff, set the pause


def test_429_asking_longer_than_allowed_gives_up_at_once(stub: OpenAIStub) -> None:
    stub.queue(Reply.http(429, "quota", retry_after="30"))
    started = time.monotonic()
    found, info = run(stub)
    assert found == [] and len(stub.requests) == 1 and time.monotonic() - started < 2
    assert info.errors and "HTTP 429" in info.errors[0]


def test_500_is_retried_a_bounded_number_of_times(stub: OpenAIStub) -> None:
    stub.queue(*[Reply.http(500, "boom")] * 5)
    found, info = run(stub, attempts=3)
    assert found == [] and len(stub.requests) == 3 and info.calls == 3
    assert "HTTP 500" in info.errors[0]


def test_500_then_success_recovers(stub: OpenAIStub) -> None:
    stub.queue(Reply.http(502, "bad gateway"), Reply.items(*RIGHT))
    found, info = run(stub)
    assert len(found) == 2 and info.errors == [] and info.calls == 2


def test_400_is_not_retried(stub: OpenAIStub) -> None:
    stub.queue(Reply.http(400, "response_format json_schema not supported"), Reply.items(*RIGHT))
    found, info = run(stub)
    assert found == [] and len(stub.requests) == 1
    assert "HTTP 400" in info.errors[0]


def test_hanging_server_times_out_within_the_budget(stub: OpenAIStub) -> None:
    stub.queue(Reply.stall(5), Reply.stall(5), Reply.stall(5))
    started = time.monotonic()
    found, info = run(stub, timeout=0.3, attempts=2)
    assert found == [] and len(stub.requests) == 2
    assert "timed out" in info.errors[0]
    assert time.monotonic() - started < 2.5


def test_time_budget_per_report_stops_retrying(stub: OpenAIStub) -> None:
    stub.queue(*[Reply.stall(5)] * 6)
    started = time.monotonic()
    found, info = run(stub, timeout=0.4, attempts=6, budget_seconds=0.9)
    assert found == [] and info.errors
    assert len(stub.requests) < 6 and time.monotonic() - started < 2.5


def test_truncated_output_splits_the_keys_and_asks_again(stub: OpenAIStub) -> None:
    stub.queue(Reply.items(finish_reason="length"), answer_for(RIGHT), answer_for(RIGHT))
    found, info = run(stub)
    first, second, third = (user_prompt(r).count("\n- ") for r in stub.requests)
    assert second < first and third < first and len(stub.requests) == 3
    assert {f.key for f in found} == {"capacity.reading_points", "capacity.staff_full_time"}
    assert any("truncated" in e for e in info.errors)


def test_output_cut_at_max_tokens_counts_as_truncated_even_without_finish_reason_length(stub: OpenAIStub) -> None:
    """llama.cpp reports a cut-off tool call as finish_reason "tool_calls": the token count tells."""
    cut = Reply.raw('{"items": [{"key": "capacity.reading_poi', completion_tokens=64)
    stub.queue(cut, cut, answer_for(RIGHT), answer_for(RIGHT))
    found, info = run(stub, max_tokens=64)
    assert any("truncated" in e for e in info.errors)
    prompts = [user_prompt(r).count("\n- ") for r in stub.requests]
    assert prompts[2] < prompts[0] and prompts[3] < prompts[0]  # the keys were split in two and asked again
    assert {f.key for f in found} == {"capacity.reading_points", "capacity.staff_full_time"}


def test_truncated_output_of_a_single_key_is_an_error() -> None:
    doc = document()
    draft = draft_for(doc)
    draft.fields = {k: v for k, v in draft.fields.items() if k != "requests.received"}
    with OpenAIStub() as stub:
        stub.queue(*[Reply.items(finish_reason="length")] * 8)
        assistant = LlmAssistant(fast(base_url=stub.base_url, windows=WindowSettings(call_keys=1), max_calls=2))
        found, info = assistant.propose(doc, draft)
    assert found == [] and len(stub.requests) == 2
    assert all("truncated" in e for e in info.errors[-2:])


def test_unreachable_server_records_the_error() -> None:
    with OpenAIStub() as stub:
        url = stub.base_url
    found, info = LlmAssistant(fast(base_url=url, attempts=2)).propose(document(), draft_for(document()))
    assert found == [] and "cannot reach the server" in info.errors[0]


# --------------------------------------------------------------------------- cache


def test_second_run_is_served_from_the_disk_cache(stub: OpenAIStub, tmp_path: Path) -> None:
    stub.queue(Reply.items(*RIGHT))
    first, info1 = run(stub, cache_dir=tmp_path)
    second, info2 = run(stub, cache_dir=tmp_path)
    assert len(stub.requests) == 1  # no HTTP call the second time
    assert info2.calls == 0 and info2.cache_hits == 1 and info1.cache_hits == 0
    assert [(f.key, f.value, f.start, f.end) for f in first] == [(f.key, f.value, f.start, f.end) for f in second]


def test_cache_is_keyed_by_model_and_failures_are_not_cached(stub: OpenAIStub, tmp_path: Path) -> None:
    stub.queue(Reply.http(500, "boom"), Reply.items(*RIGHT), Reply.items(*RIGHT))
    run(stub, cache_dir=tmp_path, attempts=1)  # failure: nothing cached
    run(stub, cache_dir=tmp_path)  # success: cached
    _, info = run(stub, cache_dir=tmp_path, model="other-model")
    assert len(stub.requests) == 3 and info.cache_hits == 0


# --------------------------------------------------------------------------- modes, async, config


def test_json_mode_uses_response_format_and_content(stub: OpenAIStub) -> None:
    stub.queue(Reply.items(*RIGHT))
    found, _ = run(stub, mode="json")
    assert stub.requests[0]["response_format"] == {"type": "json_object"}
    assert "tools" not in stub.requests[0] and len(found) == 2


def test_tools_mode_forces_the_tool_call(stub: OpenAIStub) -> None:
    stub.queue(Reply.items(*RIGHT))
    run(stub)
    request = stub.requests[0]
    assert request["tool_choice"]["function"]["name"] == request["tools"][0]["function"]["name"]
    assert request["temperature"] == 0 and request["model"] == "stub-model"
    # the schema itself lists the asked keys, so schema-constrained servers cannot write another key
    item = request["tools"][0]["function"]["parameters"]["$defs"]["Proposal"]["properties"]
    asked = item["key"]["enum"]
    assert "capacity.reading_points" in asked and "active.total" not in asked
    assert f"- {asked[0]} (" in user_prompt(request)


def test_async_batch_runs_reports_concurrently(stub: OpenAIStub) -> None:
    stub.queue(*[answer_for(RIGHT)] * 3)
    assistant = LlmAssistant(fast(base_url=stub.base_url))
    docs = [document(TEXT.replace("某某区", name)) for name in ("甲区", "乙区", "丙区")]
    results = asyncio.run(assistant.propose_many([(d, draft_for(d)) for d in docs], concurrency=2))
    assert len(stub.requests) == 3
    for found, info in results:
        assert {f.key for f in found} == {"capacity.reading_points", "capacity.staff_full_time"}
        assert info.calls == 1 and info.errors == []


def test_from_env_reads_the_configuration(tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "NIANBAO_MODEL": "qwen-plus",
        "NIANBAO_LLM_MODE": "JSON",
        "NIANBAO_LLM_CACHE": str(tmp_path),
        "NIANBAO_LLM_TIMEOUT": "5",
    }
    settings = settings_from_env(env)
    assert (settings.model, settings.mode, settings.cache_dir, settings.timeout) == ("qwen-plus", "json", tmp_path, 5)
    assert settings_from_env({**env, "NIANBAO_LLM_CACHE": "off"}).cache_dir is None
    assert from_env(env).settings.base_url == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "NIANBAO_MODEL"),
        ({"NIANBAO_MODEL": "m"}, "OPENAI_BASE_URL"),
        ({"NIANBAO_MODEL": "m", "OPENAI_BASE_URL": "localhost:8080"}, "http://"),
        ({"NIANBAO_MODEL": "m", "OPENAI_API_KEY": "k", "NIANBAO_LLM_MODE": "xml"}, "NIANBAO_LLM_MODE"),
        ({"NIANBAO_MODEL": "m", "OPENAI_API_KEY": "k", "NIANBAO_LLM_TIMEOUT": "soon"}, "NIANBAO_LLM_TIMEOUT"),
    ],
)
def test_from_env_refuses_an_incomplete_configuration(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_env(env)


# --------------------------------------------------------------------------- through the pipeline


def test_pipeline_merges_grounded_values_and_keeps_them_in_review(stub: OpenAIStub) -> None:
    doc = document()
    rules_only = extract(doc)
    truth = [
        *RIGHT,
        {"key": "training.trainees", "value": 300, "quote": "配备专职人员2名"},  # hallucinated
        {"key": "requests.received", "value": 23, "quote": "全年共受理依申请公开23件"},
    ]  # agrees
    stub.queue(*[answer_for(truth)] * 4)
    result = extract(doc, LlmAssistant(fast(base_url=stub.base_url)))
    llm = result.provenance.llm
    assert llm is not None and llm.errors == [] and result.provenance.model == "stub-model"
    assert result.provenance.prompt_version == llm.prompt_version
    assert "training.trainees" not in result.fields
    # 专职人员2名: the anchors read it too, so model and anchor agree
    assert rules_only.fields["capacity.staff_full_time"].value == result.fields["capacity.staff_full_time"].value
    assert result.fields["capacity.staff_full_time"].source == "prose"
    for key in ("capacity.reading_points",):
        assert key not in rules_only.fields, "precondition: the anchors miss this wording"
        value = result.fields[key]
        assert value.source == "llm" and value.review and value.confidence < 0.85
        assert value.evidence is not None and str(value.value) in value.evidence.quote.translate(
            str.maketrans("０１２３４５６７８９", "0123456789")
        )
    for key, value in rules_only.fields.items():  # the model never changes an anchor's value
        assert result.fields[key].value == value.value


def test_pipeline_keeps_the_rules_only_result_when_the_server_fails(stub: OpenAIStub) -> None:
    doc = document()
    rules_only = extract(doc)
    stub.queue(*[Reply.http(503, "down")] * 20)
    result = extract(doc, LlmAssistant(fast(base_url=stub.base_url, attempts=2)))
    assert result.values() == rules_only.values()
    assert result.provenance.llm is not None and result.provenance.llm.errors
    assert all("HTTP 503" in e for e in result.provenance.llm.errors)


@pytest.mark.parametrize("name", ["erdao-district-2017.txt", "daoli-district-2018.txt"])
def test_hallucinations_cost_no_auto_accept_precision(stub: OpenAIStub, shared_dir: Path, name: str) -> None:
    from service.ingest import read_path

    doc = read_path(shared_dir / "seeds" / name)
    rules_only = extract(doc)
    stub.queue(*[hallucinating] * 8)
    result = extract(doc, LlmAssistant(fast(base_url=stub.base_url, max_calls=8)))
    info = result.provenance.llm
    assert info is not None and info.calls >= 1 and info.rejected, "the hallucinations were not exercised"
    # nothing the model said is auto-accepted; it may only send more to review (an identity it breaks)
    auto = {k: f.value for k, f in result.fields.items() if not f.review}
    rules_auto = {k: f.value for k, f in rules_only.fields.items() if not f.review}
    assert auto.items() <= rules_auto.items()
    assert all(result.fields[k].value == f.value for k, f in rules_only.fields.items())
    assert 987654 not in [f.value for f in result.fields.values()]
    assert all(f.review for f in result.fields.values() if f.source == "llm")
