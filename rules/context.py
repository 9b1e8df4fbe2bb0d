"""The engine's working state for one claim: plain slotted classes (no validation in the hot path).

Rules read the claim through a ``Context`` and record what they find with its methods: ``deny`` (claim or line),
``pend`` (send to a review queue), ``flag`` (informational) and ``trace``. A denial that rests on a value read with low
confidence is recorded with ``guess=True``; the engine turns it into a review — the machine never denies on a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry
from claimflow.model.decision import Flag, Reason, RuleTrace
from claimflow.model.extraction import Extraction
from claimflow.model.member import Member
from claimflow.money import ZERO
from rules.plan import Category, Plan

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
_new = object.__new__


_FIELDS_SET: dict[type, set[str]] = {}


def build(cls: type[M], **values: Any) -> M:
    """Construct a frozen pydantic value from values the engine already validated, without re-validating.

    Like ``model_construct`` but several times cheaper; every field must be given (the engine passes all of them) and
    the values must already have their field's type (money quantized to cents). Used only in the hot path. The
    fields-set is shared per class (pydantic copies it before any change, e.g. in ``model_copy``).
    """
    obj = _new(cls)
    _set(obj, "__dict__", values)
    fields_set = _FIELDS_SET.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SET[cls] = set(cls.model_fields)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


#: Review queues, most urgent first: the decision's ``review_queue`` is the first one any rule asked for.
QUEUES = (
    "special_investigations",
    "eligibility",
    "benefits_configuration",
    "data_entry",
    "coding",
    "clinical",
    "claims_examiner",
)
_QUEUE_RANK = {q: i for i, q in enumerate(QUEUES)}


class Line:
    """One line item as the engine prices it."""

    __slots__ = (
        "index", "text_code", "system", "code", "description", "billed", "qty", "date", "dates", "conf",
        "category", "cat", "status", "allowed", "copay", "deductible", "coinsurance", "over_limit", "payable",
        "member", "reasons", "oop", "limit_group",
    )  # fmt: skip

    def __init__(self, index: int) -> None:
        self.index = index
        self.text_code: str | None = None
        self.system: str | None = None
        self.code: str | None = None
        self.description: str | None = None
        self.billed: Decimal | None = None
        self.qty = Decimal(1)
        self.date: dt.date | None = None  # the line's own date, else the claim's only/first date
        self.dates: tuple[dt.date, ...] = ()  # dates the line may fall on (all claim dates when it has none)
        self.conf: float | None = None
        self.category: int | None = None
        self.cat: Category | None = None
        self.status = "open"  # open → PAID, denied, pending
        self.allowed = ZERO
        self.copay = ZERO
        self.deductible = ZERO
        self.coinsurance = ZERO
        self.over_limit = ZERO
        self.payable = ZERO
        self.member = ZERO
        self.oop = ZERO
        self.limit_group: str | None = None
        self.reasons: list[Reason] = []  # pricing adjustments (CO-45, PR-1/2/3, PR-119)


class Denial:
    __slots__ = ("reason", "guess", "queue", "why_guess")

    def __init__(self, reason: Reason, guess: bool, queue: str, why_guess: str | None) -> None:
        self.reason = reason
        self.guess = guess
        self.queue = queue
        self.why_guess = why_guess


class Context:
    __slots__ = (
        "x", "member", "plan", "acc", "history", "today", "threshold", "lines", "trace", "flags", "claim_denials",
        "line_denials", "pends", "stopped", "dates", "dx", "dx_low", "dates_conf", "member_id_conf", "total_conf",
        "billed", "provider", "dates_text", "review",
    )  # fmt: skip

    def __init__(
        self,
        x: Extraction,
        member: Member | None,
        plan: Plan | None,
        acc: Accumulators,
        history: Sequence[ClaimHistoryEntry],
        today: dt.date,
        threshold: float,
        review: Any = None,
    ) -> None:
        self.x = x
        self.review = review  # rules.review.Overrides when a person decides (docs/review.md), else None
        self.member = member
        self.plan = plan
        self.acc = acc
        self.history = history
        self.today = today
        self.threshold = threshold
        self.lines: list[Line] = []
        self.trace: list[RuleTrace] = []
        self.flags: list[Flag] = []
        self.claim_denials: list[Denial] = []
        self.line_denials: dict[int, Denial] = {}
        self.pends: list[tuple[str, Reason]] = []
        self.stopped = False
        self.dates: list[dt.date] = []
        self.dates_text = ""  # the dates of service, ISO, comma-separated (for traces)
        self.dx: list[tuple[str, str, float | None]] = []  # (normalised code, printed code, confidence)
        self.dx_low = False
        self.dates_conf: float | None = None
        self.member_id_conf: float | None = None
        self.total_conf: float | None = None
        self.billed = ZERO
        self.provider: str | None = None

    # --- confidence ---------------------------------------------------------------------------------------------

    def low(self, conf: float | None) -> bool:
        """True when a value was read with confidence below the review threshold (unknown confidence is not low)."""
        return conf is not None and conf < self.threshold

    # --- recording ----------------------------------------------------------------------------------------------

    def trace_add(
        self,
        rule: str,
        result: str,
        inputs: dict[str, str] | None = None,
        clause: str | None = None,
        detail: str | None = None,
        line: int | None = None,
    ) -> None:
        """Record a rule's result (``inputs`` is kept as given: pass a fresh dict)."""
        self.trace.append(
            {"rule": rule, "result": result, "inputs": inputs if inputs is not None else {}, "clause": clause,
             "detail": detail, "line": line}
        )  # fmt: skip

    def deny_claim(
        self, rule: str, group: str, code: str, message: str, *, remark: str | None = None,
        guess: bool = False, queue: str = "claims_examiner", why_guess: str | None = None,
    ) -> None:  # fmt: skip
        reason = build(
            Reason,
            group=group, code=code, remark=remark, message=message, amount=None, line=None, rule=rule
        )
        self.claim_denials.append(Denial(reason, guess, queue, why_guess))

    def deny_line(
        self, line: Line, rule: str, group: str, code: str, message: str, *, remark: str | None = None,
        guess: bool = False, queue: str = "claims_examiner", why_guess: str | None = None,
    ) -> None:  # fmt: skip
        if line.index in self.line_denials and not self.line_denials[line.index].guess:
            return  # the first certain reason stands
        reason = build(
            Reason,
            group=group, code=code, remark=remark, message=message, amount=line.billed or ZERO, line=line.index,
            rule=rule,
        )
        self.line_denials[line.index] = Denial(reason, guess, queue, why_guess)
        line.status = "pending" if guess else "denied"

    def pend(
        self, rule: str, queue: str, flag_code: str, message: str, *, line: Line | None = None,
        remark: str | None = None,
    ) -> None:  # fmt: skip
        """Send the claim (or one line) to a reviewer: a review flag and an OA-133 reason saying why."""
        self.flags.append(
            build(Flag, code=flag_code, severity="review", queue=queue, message=message, rule=rule)
        )
        reason = build(
            Reason,
            group="OA", code="133", remark=remark, message=message, amount=None,
            line=line.index if line is not None else None, rule=rule,
        )  # fmt: skip
        self.pends.append((queue, reason))
        if line is not None and line.status == "open":
            line.status = "pending"

    def flag(self, rule: str, code: str, message: str) -> None:
        self.flags.append(build(Flag, code=code, severity="info", queue=None, message=message, rule=rule))

    def stop(self) -> None:
        """Nothing further can be decided (e.g. unknown member): later rules are skipped."""
        self.stopped = True

    def open_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.status != "denied"]


RuleFn = Callable[[Context], None]


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Name and version a rule (``eligibility.member_known/v1``). A changed behaviour is a new version, never an edit
    of the old one's meaning."""
    if not rule_id.rsplit("/", 1)[-1].startswith("v"):
        raise ValueError(f"rule id needs a /vN version: {rule_id!r}")

    def wrap(fn: RuleFn) -> RuleFn:
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        return fn

    return wrap


_ISO: dict[dt.date, str] = {}


_CONF_TEXT: dict[float, str] = {}


def conf_text(c: float | None) -> str:
    """A confidence as two-place text for traces (``0.93``; ``unknown`` when not given), memoised."""
    if c is None:
        return "unknown"
    text = _CONF_TEXT.get(c)
    if text is None:
        text = f"{c:.2f}"
        if len(_CONF_TEXT) < 10_000:
            _CONF_TEXT[c] = text
    return text


def iso(d: dt.date) -> str:
    """``d.isoformat()``, memoised: the same few hundred dates recur in every trace."""
    text = _ISO.get(d)
    if text is None:
        text = d.isoformat()
        if len(_ISO) < 100_000:
            _ISO[d] = text
    return text


def queue_rank(queue: str) -> int:
    return _QUEUE_RANK.get(queue, len(QUEUES))
