"""Report bytes → Document: pick a converter (``service.converters``), strip page chrome, keep the text.

Everything downstream (anchors, the model, evidence spans) works on ``Document.text``, so every
normalisation happens here or in a converter, before the text is returned; nothing later may change it.
A PDF's Document also carries its layout: where each character of the text stands on which page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from service.converters import Converted, IngestError, convert
from service.converters.base import words as _words
from service.converters.pdf import PdfLayout
from service.core import Document

__all__ = ["MAX_BYTES", "Document", "IngestError", "read_bytes", "read_path", "strip_chrome"]

MAX_BYTES = 20 * 1024 * 1024


# =========================================================================== public entry points


def read_bytes(data: bytes, filename: str | None = None, report_id: str | None = None) -> Document:
    """Decode and normalise one report; raises ``IngestError`` for input that holds no report text."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IngestError("unreadable", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise IngestError("empty", "the file is empty (0 bytes)")
    if len(data) > MAX_BYTES:
        raise IngestError("too_large", f"the file has {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes")
    digest = hashlib.sha256(data).hexdigest()
    converted = convert(data, filename)
    text, layout = _without_chrome(converted)
    if not text.strip():
        raise IngestError("empty", "the file holds no readable text")
    name = Path(filename).name if filename else None
    return Document(
        id=report_id or _stem(name) or digest[:12],
        text=text,
        kind=converted.kind,
        sha256=digest,
        encoding=converted.encoding,
        filename=name,
        layout=layout,
        warnings=converted.warnings,
        info=converted.info,
    )


def _without_chrome(converted: Converted) -> tuple[str, PdfLayout | None]:
    if converted.layout is None:
        return strip_chrome(converted.text), None
    return converted.layout.keep_lines(converted.text, chrome_kept_lines(converted.text.split("\n")))


def read_path(path: str | Path) -> Document:
    """Read a report file; a missing, unreadable or oversized file gives an ``IngestError``."""
    p = Path(path)
    try:
        if not p.is_file():
            what = "is a directory, not a file" if p.is_dir() else "does not exist"
            raise IngestError("unreadable", f"{p} {what}")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise IngestError("too_large", f"{p} has {size:,} bytes; the limit is {MAX_BYTES:,} bytes")
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read {p}: {exc.strerror or exc}") from exc
    return read_bytes(data, filename=p.name)


def _stem(name: str | None) -> str | None:
    if not name:
        return None
    stem = Path(name).stem.strip()
    return stem or None


# =========================================================================== page chrome


def strip_chrome(text: str) -> str:
    """Drop site menus, breadcrumbs, widgets, metadata and footers, one whole line at a time.

    Conservative by design: a rule matches a whole short line, never part of one, so a line that
    holds report text is never removed. A crawler header (``标题: …`` up to ``==== 正文 ====``) is
    kept as it is: it carries the title and publish date.
    """
    lines = text.split("\n")
    return _squeeze_blank_lines([lines[i].strip() for i in chrome_kept_lines(lines)])


def chrome_kept_lines(lines: list[str]) -> list[int]:
    """The numbers of the lines ``strip_chrome`` keeps (a PDF's lines come stripped and never blank)."""
    start = _crawler_header_end(lines)
    verdicts = [_line_verdict(line.strip()) if i >= start else _KEEP for i, line in enumerate(lines)]
    _mark_runs(lines, verdicts, start)
    kept: list[int] = []
    after_stub = False
    for i, line in enumerate(lines):
        verdict = verdicts[i]
        stripped = line.strip()
        if verdict == _STUB:
            after_stub = True
            continue
        if after_stub and (not stripped or _FILE_NAME.match(stripped) or stripped in ("-", "—")):
            continue
        after_stub = False
        if verdict in (_KEEP, _WEAK):
            kept.append(i)
    return kept


def _squeeze_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_KEEP, _DROP, _WEAK, _STUB = "keep", "drop", "weak", "stub"

_CRAWLER_END = re.compile(r"^=+\s*正文\s*=+$")
_PROTECTED = re.compile(r"标\s*题\s*[:：]|发布(时间|日期)|成文日期")
_BREADCRUMB = re.compile(
    r"^(当前位置|当前的位置|您的位置|你的位置|您当前的位置|您当前所在的位置|您当前所在位置|您现在的位置|"
    r"你现在的位置|当前所在位置|所在位置)\s*[:：]?"
)
_HOME_TRAIL = re.compile(r"^(网站)?首页\s*(>|＞|»|›|→|/|-|—|》)")
_META_LABEL = re.compile(
    r"^(信息)?索\s*引\s*号\s*[:：]|^发布机构\s*[:：]\s*\S{0,40}$|^文\s*号\s*[:：]\s*(无|-|—)?$|"
    r"^(主题分类|信息分类|分类|体裁分类|组配分类|服务对象分类|公开目录|公开方式|公开范围|公开时限|公开形式|"
    r"有效性|主题词|关键词|所属主题|信息类别)\s*[:：].{0,40}$"
)
# 访问量/浏览量 are left alone: "网站访问量" is a metric some reports state.
_COUNTER = re.compile(r"^【?(点击数|点击量|点击率|浏览次数|访问次数|阅读次数)\s*[:：]?\s*[\d,]*\s*次?】?$")
_FOOTER = re.compile(
    r"版权所有|copyright|©|ICP\s*备|ICP\s*证|网站标识码|公网安备|公安备案|技术支持\s*[:：]|"
    r"(主办|承办|维护|运维)单位\s*[:：]|最佳浏览效果|建议您?使用.{0,30}浏览器|"
    r"^(欢迎(光临|访问|来到)|今天是)",
    re.I,
)
# A PDF page footer: "— 4 —", "- 12 -", "第 3 页", "第3页 共8页", "3 / 8".
_PAGE_NUMBER = re.compile(
    r"^[—–-]\s*\d{1,3}\s*[—–-]$|^第\s*\d{1,3}\s*页(\s*[，,]?\s*共\s*\d{1,3}\s*页)?$"
    r"|^\d{1,3}\s*/\s*\d{1,3}$"
)
_WIDGET_LINE = re.compile(r"^(扫一扫|分享到|【?\s*字\s*[体号]\s*[:：])")
_STUB_LINE = re.compile(
    r"^(附件下载|相关附件|下载附件|相关链接|相关文件|关联稿件|相关稿件|相关阅读|相关新闻|文件下载)\s*[:：]?"
    r"\s*(-+>)?\s*$"
)
_FILE_NAME = re.compile(r"^(附件\d*\s*[:：]?\s*)?[^\s。，]{1,120}\.(docx?|xlsx?|pdf|wps|et|zip|rar|ofd|txt)$", re.I)
_STUB_FILES = re.compile(
    r"^(附件下载|相关附件|附件|下载附件|下载)\s*[:：]\s*(\S{1,120}\.(docx?|xlsx?|pdf|wps|et|zip|rar|ofd)\s*)+$",
    re.I,
)
_SEPARATORS = re.compile(r"^(?:[|｜>＞»›→·•]\s*)+$|^-->$")  # never "-" alone: an absent table cell
_TOKEN_SPLIT = re.compile(r"[\s|｜·•/、]+")
_BRACKETS = re.compile(r"[【】\[\]()（）:：,，]")

# Words that are site chrome wherever they stand alone on a line.
_STRONG = _words(
    "网站首页 首页 返回首页 返回顶部 返回 登录 注册 注销 退出 移动版 手机版 无障碍 无障碍浏览 长者模式 "
    "退出长者模式 关怀版 网站地图 联系我们 关于我们 隐私保护 隐私声明 使用帮助 网站声明 繁體 繁体 简体 "
    "繁體版 简体版 English 网站支持IPV6 智能问答 站内搜索 搜索 高级搜索 历史搜索 热门搜索 友情链接 "
    "新媒体矩阵 设为首页 加入收藏 打印 打印本页 打印此页 打印文章 关闭 关闭窗口 关闭本页 分享 分享到 "
    "收藏 收藏本页 我要纠错 纠错 全真版 文字版 视力保护色 语音播报 朗读 复制链接 二维码 字号 字体 你好 "
    "文字解读 图片解读 H5解读 视频解读 音频解读"
)
# Words that are chrome only in a menu: three or more in a row, or on one line.
_WEAK_WORDS = _words(
    "政务公开 互动交流 办事服务 办事大厅 政务服务 信息公开 政府信息公开 政府信息公开年报 新闻中心 "
    "新闻动态 公众参与 解读回应 领导之窗 政府机构 要闻 政府会议 最新文件 政策文件 政策文件库 政府工作报告 "
    "公示公告 通知公告 规划信息 人事信息 统计信息 数据开放 专题专栏 重点领域信息公开 政策解读 新闻发布会 "
    "回应关切 在线访谈 网上调查 民意征集 在线服务 网上办事 政民互动 政务要闻 部门动态 乡镇动态 图片新闻 "
    "视频新闻 热点专题 政府文件 政策法规 机构职能 领导信息 人事任免 财政资金 政务地图 微信 微博 QQ空间 "
    "QQ 大 中 小 默认 文件下载 下载 政府网站 政府门户网站 新闻 概况 简介"
)
_WEAK_PATTERN = re.compile(r"^(走进|投资|魅力|畅游|印象|今日|数字).{1,4}$|^.{1,6}(动态|之窗|APP|客户端|平台|知识库)$")
_CONTENT = re.compile(r"\d")


def _crawler_header_end(lines: list[str]) -> int:
    for i, line in enumerate(lines[:40]):
        if _CRAWLER_END.match(line.strip()):
            return i + 1
    return 0


def _token_kind(token: str) -> str | None:
    token = _BRACKETS.sub("", token)
    if not token:
        return "sep"
    if token in _STRONG:
        return "strong"
    if token in _WEAK_WORDS or (not _CONTENT.search(token) and _WEAK_PATTERN.match(token)):
        return "weak"
    glued = _glued_menu(token)
    if glued is not None:
        return "strong" if any(word in _STRONG for word in glued) or len(glued) >= 3 else "weak"
    return None


_MENU_WORDS = _STRONG | _WEAK_WORDS
_LONGEST_MENU_WORD = max(map(len, _MENU_WORDS))


def _glued_menu(token: str) -> list[str] | None:
    """The menu words a token is made of when a PDF or a page's text runs them together with no separator
    (长者模式退出长者模式无障碍浏览); None unless it is two or more of them and nothing else."""
    if len(token) > 200:
        return None
    best: list[list[str] | None] = [None] * (len(token) + 1)
    best[0] = []
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - _LONGEST_MENU_WORD), end):
            head = best[start]
            if head is not None and token[start:end] in _MENU_WORDS:
                candidate = [*head, token[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    words = best[-1]
    return words if words is not None and len(words) >= 2 else None


def _line_verdict(s: str) -> str:
    if not s or len(s) > 150 or _PROTECTED.search(s):
        return _KEEP
    if _STUB_LINE.match(s) or _STUB_FILES.match(s):
        return _STUB
    if len(s) <= 100 and (_BREADCRUMB.match(s) or _HOME_TRAIL.match(s)):
        return _DROP
    if _META_LABEL.search(s) or _FOOTER.search(s) or _WIDGET_LINE.match(s):
        return _DROP
    if _COUNTER.match(s) or _PAGE_NUMBER.match(s):
        return _DROP
    if _SEPARATORS.match(s):
        return _DROP
    kinds = [_token_kind(t) for t in _TOKEN_SPLIT.split(s) if t]
    words = [k for k in kinds if k != "sep"]
    if not words or None in words:
        return _KEEP
    if len(words) >= 3 or "strong" in words:
        return _DROP
    return _WEAK  # menu words alone on a line: dropped only within a run (see _mark_runs)


def _mark_runs(lines: list[str], verdicts: list[str], start: int) -> None:
    """Weak menu words alone on lines are chrome when three or more chrome lines stand together."""
    i = start
    n = len(lines)
    while i < n:
        if verdicts[i] not in (_WEAK, _DROP) or not lines[i].strip():
            i += 1
            continue
        j, count = i, 0
        while j < n and (verdicts[j] in (_WEAK, _DROP) or not lines[j].strip()):
            count += bool(lines[j].strip())
            j += 1
        if count >= 3:
            for k in range(i, j):
                if verdicts[k] == _WEAK:
                    verdicts[k] = _DROP
        i = j
