"""Satisfaction-linked incentive and scoring engine for after-sales service.

售后服务满意度激励与评分引擎。数据单向流动:
import → validate → normalise → evaluate the plan → lines → caps → statements and ranking → export.
"""

__version__ = "0.1.0"
