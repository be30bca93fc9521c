"""Render the versioned prompt templates of ``prompts/`` into chat messages.

One template per job (``prompts/<job>.v<N>.md``, a ``[system]`` and a ``[user]`` part) plus the
shared ``rules.v<N>.md``. Templates are ``string.Template`` text: the report text, the labels and the
candidates are substituted as values, so nothing in a report can act as template code; the report text
also sits between ``<report-window>`` tags the rules tell the model to treat as data.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from service.lexicon import label
from service.llm.scope import Job
from service.llm.windows import Call
from service.schema import FIELD_TYPES, FieldValue, Result


def _prompts_dir() -> Path:
    """``NIANBAO_PROMPTS``, else the checkout's ``prompts/``, else the copy a wheel installs under share/."""
    if os.environ.get("NIANBAO_PROMPTS"):
        return Path(os.environ["NIANBAO_PROMPTS"])
    checkout = Path(__file__).resolve().parents[2] / "prompts"
    installed = Path(sys.prefix) / "share" / "nianbao" / "prompts"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


PROMPTS_DIR = _prompts_dir()
VERSIONS: dict[str, str] = {"rules": "v1", "prose": "v1", "table": "v1", "conflict": "v1"}
KIND_HINT = {
    "int": "integer",
    "signed": "integer, may be negative",
    "wan": "万元, decimal",
    "str": "text",
    "date": "YYYY-MM-DD",
}
_WINDOW_TAG = re.compile(r"</?report-window", re.IGNORECASE)


@dataclass(frozen=True)
class PromptTemplate:
    job: str
    version: str  # e.g. "prose.v1"
    system: str
    user: str
    digest: str  # of the template text: a silent edit still changes the cache key


@cache
def load(job: Job) -> PromptTemplate:
    """Read ``prompts/<job>.<version>.md`` (with the shared rules) once."""
    rules = (PROMPTS_DIR / f"rules.{VERSIONS['rules']}.md").read_text(encoding="utf-8").strip()
    raw = (PROMPTS_DIR / f"{job}.{VERSIONS[job]}.md").read_text(encoding="utf-8")
    match = re.fullmatch(r"\s*\[system\]\n(?P<system>.*?)\n\[user\]\n(?P<user>.*)", raw, re.DOTALL)
    if match is None:
        raise ValueError(f"prompt template {job}: expected a [system] part and a [user] part")
    system = Template(match["system"]).substitute(rules=rules).strip()
    digest = hashlib.sha256((rules + raw).encode()).hexdigest()[:12]
    version = f"{job}.{VERSIONS[job]}+rules.{VERSIONS['rules']}"
    return PromptTemplate(job, version, system, match["user"].strip(), digest)


def render_keys(keys: list[str]) -> str:
    return "\n".join(f"- {key} ({KIND_HINT[FIELD_TYPES[key]]}): {label(key)}" for key in keys)


def _reading(value: object, source: str, quote: str | None) -> str:
    shown = f"{value} (from {source})"
    return shown + (f", text: “{_oneline(quote)}”" if quote else "")


def render_candidates(keys: list[str], draft: Result) -> str:
    """The anchors' readings of the asked keys: value, source, evidence; candidates when disputed."""
    lines: list[str] = []
    for key in keys:
        field: FieldValue | None = draft.fields.get(key)
        if field is None:
            continue
        if field.candidates:
            for candidate in field.candidates:
                quote = candidate.evidence.quote if candidate.evidence else None
                lines.append(f"- {key}: {_reading(candidate.value, candidate.source, quote)}")
        else:
            quote = field.evidence.quote if field.evidence else None
            why = f"; unsure because {field.reason}" if field.reason else ""
            lines.append(f"- {key}: {_reading(field.value, field.source, quote)}{why}")
    return "\n".join(lines) or "(nothing found yet)"


def render_windows(text: str, windows: list[tuple[int, int]]) -> str:
    parts = []
    for n, (start, end) in enumerate(windows, 1):
        body = _WINDOW_TAG.sub(lambda m: m.group().replace("-", "_"), text[start:end])
        parts.append(f'<report-window n="{n}" chars="{start}-{end}">\n{body}\n</report-window>')
    return "\n".join(parts)


def render(call: Call, text: str, draft: Result, *, whole_text: bool = False) -> list[dict[str, str]]:
    """Chat messages for one call; ``whole_text`` renders the same call with the entire report (only
    for measuring what the windows save — never sent)."""
    prompt = load(call.job)
    windows = [(0, len(text))] if whole_text else call.windows
    user = Template(prompt.user).substitute(
        template=draft.template or "unknown (probably legacy)",
        keys=render_keys(call.keys),
        candidates=render_candidates(call.keys, draft),
        windows=render_windows(text, windows),
    )
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: one per CJK character, one per four other characters.
    Good enough to compare windows against the whole report; the server's usage is the real count."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def estimate_messages(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) + 4 for m in messages)


def _oneline(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
