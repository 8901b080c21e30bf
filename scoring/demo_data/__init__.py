"""A deterministic generator of a realistic sample network and month, in the input-file format
of CONTRACT.md: used by ``scoring demo``, the tests and the benchmarks.

按种子确定地生成逼真的样例数据(经销商、团队、师傅与一个月的工单、问卷、回访、投诉),格式与输入文件一致。

    tables = generate("2025-10", scale=DEMO, seed=7)
    write_files(tables, Path("in"))                               # dealers.csv, teams.csv, …
    write_files(tables, Path("in-zh"), fmt="xlsx", chinese=True)  # 经销商.xlsx, 团队.xlsx, …
"""

from scoring.demo_data.generate import generate
from scoring.demo_data.scale import DEMO, NATIONAL, REGIONAL, SCALES, Scale
from scoring.demo_data.writer import write_files

__all__ = ["DEMO", "NATIONAL", "REGIONAL", "SCALES", "Scale", "generate", "write_files"]
