//! The message catalogue: every label and sentence this crate shows people (column headings,
//! section titles, chart titles, sentences with figures), in both languages, in one place.
//!
//! Domain names (tiers, clusters, provinces, programs, indicators) are not here: they come
//! from the data ([`crate::names`]). A sentence names its figures as `{placeholders}`, filled
//! by [`fill`]; both languages of a message use the same placeholders (a test checks it).
//!
//! Column headings are keyed `col.` + the CSV column (`col.granted_yuan`). In English,
//! terminal tables keep the CSV column names as headings, so a table and its CSV read
//! alike; documents (HTML, the workbook) and every Chinese output use the labels.

use crate::lang::Lang;

/// One message: its key, its English text and its Chinese text.
pub type Message = (&'static str, &'static str, &'static str);

/// Every message, by key.
pub const MESSAGES: &[Message] = &[
    // Columns of the cycle's tables (the CSV columns).
    ("col.year", "Year", "年份"),
    ("col.title", "Target", "目标"),
    ("col.metric", "Metric", "指标"),
    ("col.target", "Target value", "目标值"),
    ("col.measured_in", "Measured in", "测算年份"),
    ("col.measured", "Measured", "测算值"),
    ("col.share_of_target", "Share of target", "完成比例"),
    ("col.basis", "Basis", "依据"),
    (
        "col.firms_missing_facts",
        "Firms lacking facts",
        "缺少数据企业数",
    ),
    ("col.untiered", "No tier", "未入层级"),
    ("col.tier", "Tier", "层级"),
    ("col.firms", "Firms", "企业数"),
    ("col.change", "Change", "变动"),
    ("col.uscc", "USCC", "统一社会信用代码"),
    ("col.name", "Name", "企业名称"),
    ("col.from", "From tier", "调整前层级"),
    ("col.to", "To tier", "调整后层级"),
    ("col.grace", "In grace", "宽限期"),
    ("col.borderline", "Borderline", "临界"),
    ("col.stage", "Stage", "发展阶段"),
    ("col.reasons", "Reasons", "理由"),
    ("col.reason", "Reason", "依据"),
    ("col.missing", "Missing facts", "缺失数据"),
    ("col.firm", "Firm", "企业"),
    ("col.policy", "Policy", "政策"),
    ("col.program", "Program", "项目"),
    ("col.status", "Status", "状态"),
    ("col.amount_yuan", "Amount (yuan)", "金额（元）"),
    ("col.detail", "Detail", "说明"),
    ("col.request_id", "Request id", "请求编号"),
    ("col.decided_by", "Decided by", "决定依据"),
    ("col.kind", "Kind", "类型"),
    ("col.scenario", "Scenario", "应用场景"),
    ("col.owner_type", "Owner type", "场景方类型"),
    ("col.offer", "Offer", "供给"),
    ("col.score", "Score", "得分"),
    ("col.matches", "Matches", "匹配数"),
    (
        "col.compute_yuan",
        "Compute vouchers (yuan)",
        "算力券（元）",
    ),
    ("col.data_yuan", "Data vouchers (yuan)", "数据券（元）"),
    ("col.matcher", "Matcher", "匹配方法"),
    ("col.pairs", "Pairs", "匹配对数"),
    (
        "col.slots_filled_pct",
        "Slots filled (%)",
        "名额填充率（%）",
    ),
    ("col.total_score", "Total score", "总分"),
    ("col.mean_score", "Mean score", "平均得分"),
    ("col.gap_pct", "Gap to optimum (%)", "与最优差距（%）"),
    ("col.blocking_pairs", "Blocking pairs", "阻塞对数"),
    ("col.product", "Product", "产品"),
    ("col.category", "Category", "类别"),
    ("col.rule_set", "Rule set", "认定规则"),
    ("col.decision", "Decision", "认定结论"),
    ("col.listed_until", "Listed until", "目录有效期至"),
    ("col.conditions", "Conditions", "认定条件"),
    ("col.budget_yuan", "Budget (yuan)", "预算（元）"),
    // Columns of `scenario purchase` (首购首用).
    ("col.rank", "Rank", "排名"),
    ("col.bidder", "Bidder", "投标人"),
    ("col.winner", "Winner", "中标"),
    ("col.price_yuan", "Bid price (yuan)", "投标报价（元）"),
    ("col.deductions", "Price deductions", "价格扣除"),
    ("col.total_rate", "Deducted in all", "合计扣除比例"),
    (
        "col.evaluated_price_yuan",
        "Evaluated price (yuan)",
        "评审价格（元）",
    ),
    ("col.price_points", "Price points", "价格分"),
    ("col.total_points", "Total points", "综合得分"),
    ("col.not_applied", "Preferences not applied", "未适用的优惠"),
    ("col.buyer", "Buyer", "采购人"),
    ("col.buyer_type", "Buyer type", "采购人类型"),
    ("col.procurement", "Procurement", "采购项目"),
    ("col.first_purchase", "First purchase", "首购"),
    ("col.already_recorded", "Recorded before", "此前已登记"),
    ("col.reported", "Reported", "已报告"),
    ("col.converted", "Converted", "已转化"),
    ("col.rate", "Conversion rate", "转化率"),
    ("col.rate_reported", "Rate among reported", "已报告中转化率"),
    ("col.unreported_share", "Unreported share", "未报告占比"),
    ("col.orders", "Orders", "订单数"),
    ("col.revenue_yuan", "Revenue (yuan)", "收入（元）"),
    ("col.records", "Records", "记录数"),
    ("col.written", "Written", "已写入"),
    ("col.granted_yuan", "Granted (yuan)", "已发放（元）"),
    ("col.redeemed_yuan", "Redeemed (yuan)", "已兑付（元）"),
    ("col.expired_yuan", "Expired (yuan)", "已过期（元）"),
    ("col.clawed_back_yuan", "Clawed back (yuan)", "已追回（元）"),
    (
        "col.outstanding_yuan",
        "Outstanding (yuan)",
        "未使用余额（元）",
    ),
    ("col.remaining_yuan", "Budget left (yuan)", "剩余预算（元）"),
    ("col.cluster", "Cluster", "集群"),
    ("col.region", "Region", "区域"),
    ("col.jobs", "Jobs", "作业数"),
    ("col.utilisation", "Utilisation", "利用率"),
    ("col.idle_rate", "Idle share", "空闲率"),
    ("col.rack_occupancy", "Rack occupancy", "机架上架率"),
    ("col.gross_cost_yuan", "Cost (yuan)", "费用（元）"),
    (
        "col.subsidy_yuan",
        "Paid by vouchers (yuan)",
        "算力券支付（元）",
    ),
    (
        "col.firm_cost_yuan",
        "Paid by firms (yuan)",
        "企业自付（元）",
    ),
    ("col.green_share", "Green power share", "绿电占比"),
    ("col.job", "Job", "作业"),
    ("col.cards", "Cards", "加速卡数"),
    ("col.submit_s", "Submitted (s)", "提交时刻（秒）"),
    ("col.start_s", "Started (s)", "开始时刻（秒）"),
    ("col.end_s", "Ended (s)", "结束时刻（秒）"),
    ("col.declined", "Payment declined", "支付被拒原因"),
    ("col.home", "Home region", "所在地区"),
    ("col.holders", "Voucher holders", "算力券持有企业"),
    ("col.placed", "Placed", "已调度"),
    ("col.rejected", "Rejected", "未能调度"),
    ("col.wait_p50_s", "Wait p50 (s)", "等待时间 p50（秒）"),
    ("col.wait_p95_s", "Wait p95 (s)", "等待时间 p95（秒）"),
    ("col.wait_p99_s", "Wait p99 (s)", "等待时间 p99（秒）"),
    ("col.payment_declines", "Payments declined", "支付被拒次数"),
    ("col.jain_fairness", "Jain fairness", "Jain 公平指数"),
    ("col.case", "Case", "案件"),
    ("col.outcome", "Outcome", "结果"),
    ("col.rule", "Rule", "规则"),
    ("col.citation", "Citation", "依据"),
    ("col.id", "Id", "编号"),
    ("col.date", "Date", "日期"),
    ("col.mode", "Mode", "方式"),
    // Columns of `scenario challenge` (揭榜挂帅 / 赛马制).
    ("col.verb", "Step", "操作"),
    ("col.task", "Task", "榜单任务"),
    ("col.ledger_request", "Ledger request", "账本请求"),
    ("col.replayed", "Replayed", "重复请求"),
    ("col.bids", "Bids", "揭榜数"),
    ("col.teams", "Teams", "团队数"),
    ("col.reserved_yuan", "Reserved (yuan)", "托管划入（元）"),
    ("col.paid_yuan", "Paid (yuan)", "已支付（元）"),
    ("col.recovered_yuan", "Clawed back (yuan)", "追回（元）"),
    ("col.released_yuan", "Released (yuan)", "退回资金池（元）"),
    ("col.escrow_yuan", "In escrow (yuan)", "托管余额（元）"),
    ("col.bid", "Bid", "揭榜方案"),
    ("col.award_yuan", "Award (yuan)", "中榜金额（元）"),
    ("col.team_status", "Team status", "团队状态"),
    ("col.milestone", "Milestone", "里程碑"),
    ("col.advance_yuan", "Advance (yuan)", "预付（元）"),
    ("col.decided", "Decided", "验收日期"),
    ("col.note", "Note", "说明"),
    ("col.mandatory", "Mandatory", "必检"),
    ("col.departments", "Departments", "部门"),
    ("col.subjects", "Subjects", "检查事项"),
    ("col.members", "Members", "成员"),
    ("col.role", "Role", "角色"),
    ("col.min", "Fewest", "下限"),
    ("col.max", "Most", "上限"),
    ("col.ok", "Within bounds", "符合"),
    ("col.asks", "Tier asked about", "拟认定层级"),
    ("col.fallback", "Else", "否则层级"),
    ("col.recused", "Recused", "回避"),
    ("col.valid", "Valid scores", "有效评分数"),
    ("col.counted", "Scores averaged", "计入均值评分数"),
    ("col.mean", "Trimmed mean", "去极值均分"),
    ("col.trimmed_mean", "Trimmed mean", "去极值均分"),
    ("col.members_scoring", "Members scoring", "参评成员数"),
    ("col.panel", "Panel", "评审组"),
    ("col.computed", "Computed tier", "测算层级"),
    ("col.node", "Indicator", "指标"),
    ("col.unit", "Unit", "地区"),
    ("col.index", "Index", "指数"),
    ("col.indicator", "Indicator", "指标"),
    ("col.original", "Original value", "原值"),
    ("col.treated", "Treated value", "处理后值"),
    ("col.treatment", "Treatment", "处理方式"),
    ("col.other", "Related node", "关联指标"),
    ("col.relation", "Relation", "关系"),
    ("col.n", "Observations", "观测数"),
    ("col.r", "Pearson r", "皮尔逊相关系数"),
    ("col.alpha", "Cronbach's alpha", "克朗巴赫系数"),
    ("col.k", "Children", "下级指标数"),
    ("col.component", "Component", "主成分"),
    ("col.eigenvalue", "Eigenvalue", "特征值"),
    ("col.variance_share", "Variance explained", "方差解释比例"),
    ("col.child", "Child", "下级指标"),
    ("col.loading", "Loading", "载荷"),
    ("col.growth", "Growth (%)", "增长率（%）"),
    (
        "col.contribution",
        "Contribution (points)",
        "贡献（百分点）",
    ),
    (
        "col.total_contribution",
        "Contribution to the total (points)",
        "对总指数的贡献（百分点）",
    ),
    ("col.estimated_share", "Share on estimates", "估算占比"),
    ("col.missing_share", "Share on missing data", "缺失数据占比"),
    ("col.source", "Source", "来源"),
    (
        "col.rank_change",
        "Rank change (places up)",
        "排名变化（上升位次）",
    ),
    ("col.grants", "Grants", "发放笔数"),
    ("col.granted", "Granted", "发放金额"),
    ("col.refused", "Refused", "被拒"),
    ("col.pending", "Pending", "待补充数据"),
    ("col.idle", "Idle", "空闲率"),
    ("col.cost", "Cost", "费用"),
    ("col.pd", "Probability of default", "违约概率"),
    (
        "col.spend_yuan",
        "Verified spend (yuan)",
        "核验上云用数支出（元）",
    ),
    ("col.months_active", "Months with spend", "有支出月数"),
    ("col.limit_yuan", "Limit (yuan)", "授信额度（元）"),
    ("col.drawn_yuan", "Drawn (yuan)", "提款（元）"),
    (
        "col.interest_yuan",
        "Interest paid (yuan)",
        "已付利息（元）",
    ),
    (
        "col.interest_subsidy_yuan",
        "Interest subsidy (yuan)",
        "贴息（元）",
    ),
    ("col.line", "Credit line", "授信编号"),
    ("col.operation", "Operation", "业务"),
    ("col.sector", "Sector", "行业"),
    ("col.considered", "Firms considered", "参评企业"),
    ("col.matched", "Firms matched", "符合条件企业"),
    ("col.excluded_by", "Excluded by", "排除条件"),
    ("col.fund", "Fund", "基金"),
    ("col.state_owned", "State-owned", "国有"),
    ("col.invested_yuan", "Invested (yuan)", "投资额（元）"),
    ("col.gazelles_grown", "Gazelles grown", "培育瞪羚"),
    (
        "col.gazelles_at_entry",
        "Gazelles at entry",
        "投资时已是瞪羚",
    ),
    (
        "col.gazelles_cannot_tell",
        "Gazelles: cannot tell",
        "瞪羚无法判定",
    ),
    ("col.unicorns_grown", "Unicorns grown", "培育独角兽"),
    (
        "col.unicorns_at_entry",
        "Unicorns at entry",
        "投资时已是独角兽",
    ),
    (
        "col.unicorns_cannot_tell",
        "Unicorns: cannot tell",
        "独角兽无法判定",
    ),
    ("col.grown_per_100", "Grown per 100 held", "每百家培育数"),
    (
        "col.invested_in_grown_yuan",
        "Invested in grown firms (yuan)",
        "投向培育企业金额（元）",
    ),
    ("col.group", "Grouped by", "分组"),
    ("col.key", "Key", "代码"),
    ("col.accrued_yuan", "Interest accrued (yuan)", "计息（元）"),
    ("col.available_yuan", "Available (yuan)", "可用额度（元）"),
    (
        "col.principal_yuan",
        "Principal owed (yuan)",
        "贷款余额（元）",
    ),
    (
        "col.interest_unpaid_yuan",
        "Interest owed (yuan)",
        "应付未付利息（元）",
    ),
    ("col.repaid_yuan", "Repaid (yuan)", "已还本金（元）"),
    (
        "col.claim_yuan",
        "Claim at default (yuan)",
        "违约本金（元）",
    ),
    ("col.written_off_yuan", "Written off (yuan)", "核销（元）"),
    ("col.bank", "Bank", "贷款银行"),
    ("col.granted_on", "Granted on", "授信日期"),
    ("col.maturity", "Maturity", "到期日"),
    ("col.firms_with_spend", "Firms with spend", "有支出企业"),
    ("col.lines_granted", "Lines granted", "获授信企业"),
    ("col.lines", "Lines", "授信笔数"),
    (
        "col.credit_extended_yuan",
        "Credit extended (yuan)",
        "授信（元）",
    ),
    ("col.defaults", "Defaults", "违约笔数"),
    ("col.loss_yuan", "Loss (yuan)", "损失（元）"),
    (
        "col.compensation_yuan",
        "Compensation (yuan)",
        "风险补偿（元）",
    ),
    (
        "col.program_cost_yuan",
        "Program cost (yuan)",
        "财政成本（元）",
    ),
    (
        "col.pool_end_yuan",
        "Pool at year end (yuan)",
        "年末资金池（元）",
    ),
    ("col.limit", "Limit", "授信额度"),
    ("col.drawn", "Drawn", "提款"),
    ("col.interest_subsidy", "Interest subsidy", "贴息"),
    ("col.subsidy", "Paid by vouchers", "算力券支付"),
    ("col.field", "Field", "字段"),
    ("col.value", "Value", "值"),
    ("col.nominal", "Nominal", "基准值"),
    ("col.low", "Low", "下限"),
    ("col.high", "High", "上限"),
    ("col.p5", "5th percentile", "第 5 百分位"),
    ("col.p50", "Median", "中位数"),
    ("col.p95", "95th percentile", "第 95 百分位"),
    ("col.rank_p5", "Rank, 5th percentile", "排名第 5 百分位"),
    ("col.rank_p50", "Median rank", "排名中位数"),
    ("col.rank_p95", "Rank, 95th percentile", "排名第 95 百分位"),
    // Values of the cycle's tables.
    ("value.granted", "granted", "已发放"),
    ("value.admitted", "admitted", "获评"),
    ("value.not_admitted", "not admitted", "未获评"),
    ("value.no_quorum", "no quorum", "有效评分不足"),
    ("value.refused", "refused", "被拒"),
    ("value.missing facts", "missing facts", "缺少数据"),
    ("value.eligible", "granted", "获授信"),
    ("value.pending", "pending", "待补充数据"),
    // Tables for people.
    (
        "table.cut",
        "showing {shown} of {total} rows; use --format csv for all",
        "共 {total} 行，显示前 {shown} 行；全部数据请用 --format csv",
    ),
    (
        "doc.cut",
        "Showing {shown} of {total} rows; every row is in {file} and report.xlsx.",
        "共 {total} 行，此处显示前 {shown} 行；全部数据见 {file} 与 report.xlsx。",
    ),
    // The report's title and sections.
    (
        "doc.title",
        "Digital-economy innovative enterprises: annual cultivation report {year}",
        "{year} 年度数创企业培育工作报告",
    ),
    (
        "doc.lead",
        "Ledger date {date}. Every figure below comes from a table of this folder (CSV for programs, report.xlsx for people).",
        "记账日期 {date}。以下每个数字均来自本目录中的数据表（程序读取 CSV，人员查阅 report.xlsx）。",
    ),
    ("doc.contents", "Contents", "目录"),
    ("doc.source", "Source", "数据来源"),
    ("doc.tables", "Tables", "数据表"),
    ("doc.charts", "Charts", "图表"),
    ("doc.files", "Files", "文件"),
    ("sec.registry", "Registry", "培育库"),
    (
        "sec.benefits",
        "Benefits without application",
        "惠企政策免申即享",
    ),
    ("sec.compute", "Compute", "算力调度与算力券"),
    ("sec.supervision", "Supervision", "包容审慎监管"),
    ("sec.index", "Measurement", "指数测度"),
    ("sec.scenarios", "Application scenarios", "应用场景供需对接"),
    ("sec.finance", "Credit lines (云量贷)", "云量贷"),
    ("sec.targets", "Targets", "培育目标进展"),
    ("sec.appendix", "Appendix: tables", "附录：数据表"),
    // Sentences of the cycle, printed and in the report.
    (
        "cycle.targets_text",
        "{targets} targets, measured in {year} from the registry and the ledger after the cycle: {measured} measured ({reached} reached), {external} external (not measured: neither the registry nor the ledger counts them), {unmeasured} not measurable in {year} (the basis column says why)",
        "共 {targets} 项目标，按本周期后的培育库与券账本测算 {year} 年进展：已测算 {measured} 项（已达成 {reached} 项），外部指标 {external} 项（培育库与账本均无法统计，不予测算），{year} 年无法测算 {unmeasured} 项（原因见“依据”列）",
    ),
    (
        "cycle.head",
        "shuchuang cycle {year}: data in {dir}",
        "shuchuang 年度周期 {year}：数据目录 {dir}",
    ),
    (
        "cycle.generated",
        "registry was empty: generated {n} firms (seed {seed})",
        "培育库为空：已生成 {n} 家企业（随机种子 {seed}）",
    ),
    (
        "cycle.registry",
        "registry adjustment {year} (criteria set {set}): {state}",
        "{year} 年度培育库调整（认定标准 {set}）：{state}",
    ),
    ("cycle.committed", "committed", "已提交"),
    (
        "cycle.already",
        "already done, nothing changed",
        "此前已完成，未作改动",
    ),
    ("cycle.in_grace", "(in grace)", "（宽限期内）"),
    (
        "cycle.to_panel",
        "(borderline → panel)",
        "（临界 → 专家评审）",
    ),
    (
        "cycle.registry_text",
        "{firms} firms in the registry{generated}; adjustment {year} under criteria set {set}{already}.",
        "培育库共有 {firms} 家企业{generated}；{year} 年度调整采用认定标准 {set}{already}。",
    ),
    (
        "cycle.generated_now",
        " ({n} generated this run)",
        "（本次生成 {n} 家）",
    ),
    (
        "cycle.already_short",
        " (already done: unchanged)",
        "（此前已完成，未作改动）",
    ),
    (
        "cycle.panel_text",
        "The selection panel '{panel}' (the example roster, seeded scores: assumed) scored the {referred} borderline firms: {admitted} granted the tier asked about, {not_admitted} given the fallback; {recusals} scores withheld for conflicts of interest.",
        "遴选培育组「{panel}」（示例名单，模拟评分，均为假设）评审 {referred} 家临界企业：{admitted} 家获所评层级，{not_admitted} 家按备选层级处理；因利益冲突回避 {recusals} 人次。",
    ),
    (
        "cycle.grace_text",
        "{grace} firms in their year of grace; {borderline} borderline firms sent to the panel.",
        "{grace} 家企业处于宽限期；{borderline} 家临界企业提交专家评审。",
    ),
    (
        "cycle.benefits",
        "benefits: {matched} firms matched; {granted} granted without application ({amount}), {refused} refused ({by_rule} by a program's allocation rule when its budget ran out, the rest by the ledger), {pending} pending on missing facts ({told} firms told what to supply), {conflicts} conflicts",
        "惠企政策：匹配 {matched} 家企业；免申即享 {granted} 项（{amount}），拒绝 {refused} 项（其中 {by_rule} 项因预算用尽按项目分配规则拒绝，其余由账本拒绝），因缺少数据待定 {pending} 项（已告知 {told} 家企业需补充的数据），规则冲突 {conflicts} 项",
    ),
    (
        "cycle.compute",
        "compute ({policy} placement): {holders} voucher holders, {jobs} jobs, {placed} placed, {rejected} rejected; utilisation {util}, idle {idle}, wait p50/p95/p99 {p50}/{p95}/{p99} s; cost {cost} of which vouchers paid {subsidy} (firms {firms}), green power {green}, Jain fairness {jain}",
        "算力（{policy} 调度）：算力券持有企业 {holders} 家，作业 {jobs} 个，已调度 {placed} 个，未能调度 {rejected} 个；利用率 {util}，空闲率 {idle}，等待时间 p50/p95/p99 为 {p50}/{p95}/{p99} 秒；费用 {cost}，其中算力券支付 {subsidy}（企业自付 {firms}），绿电占比 {green}，Jain 公平指数 {jain}",
    ),
    (
        "cycle.supervision",
        "supervision: sandbox applications: {sandbox}; violations: {violations}; inspections: {planned} planned, site visits {before} → {after} ({saved} saved), {non_site} non-site reviews, {breaches} cap breaches, {alerts} alerts",
        "监管：沙盒申请：{sandbox}；违法行为：{violations}；检查：计划 {planned} 次，现场检查 {before} → {after} 次（节省 {saved} 次），非现场检查 {non_site} 次，超出年度上限 {breaches} 家，预警 {alerts} 条",
    ),
    (
        "cycle.index",
        "index: CAICT fusion index {from}–{to}: {total} ({estimated} of its weight on estimates, {missing} on leaves without data; the report's published second- and third-level paths stand in where its raw data falls short); cohort index over {provinces} provinces from {base}; top: {top}",
        "指数：信通院科技创新和产业创新融合发展指数 {from}–{to} 年：{total}（权重的 {estimated} 基于估算，{missing} 基于无数据的指标；原始数据不足处以报告公布的二、三级指数路径代替）；数创企业培育指数覆盖 {provinces} 个省份，基期 {base} 年；前五位：{top}",
    ),
    (
        "cycle.scenarios",
        "scenarios: {scenarios} published, {offers} offers from {offering} firms; {matches} matched (optimal assignment, at most one scenario a firm): {filled} scenarios filled, {reached} firms reached, total score {score}; bundles: {grants} voucher grants ({replayed} made by an earlier run), compute vouchers {compute}, data vouchers {data}",
        "应用场景：发布 {scenarios} 个，{offering} 家企业提供 {offers} 项供给；匹配 {matches} 对（最优分配，每家企业至多一个场景）：{filled} 个场景达成对接，覆盖 {reached} 家企业，总分 {score}；场景配套：发券 {grants} 笔（此前已发放 {replayed} 笔），算力券 {compute}，数据券 {data}",
    ),
    (
        "cycle.follow",
        "; follow-through (simulated by an assumed model, not reported by firms): {reported} of {matches} matches reported, {converted} with orders, {orders} orders, revenue {revenue}",
        "；对接成效（按假定模型模拟，非企业报告）：{matches} 对匹配中 {reported} 对报告，{converted} 对形成订单，订单 {orders} 笔，收入 {revenue}",
    ),
    (
        "cycle.finance",
        "credit lines (云量贷, {product}, scorecard {card}, decided {date}): {firms} firms with verified compute spend, {granted} granted a line, {refused} refused, {pending} pending on missing facts; credit extended {limit}, drawn {drawn}; interest over the term {interest}, of which the program subsidised {subsidy}; risk pool {pool}, expected compensation {expected} (an estimate on the model's PD); cost to the program {cost}",
        "云量贷（{product}，评分卡 {card}，{date} 决定）：有核验算力支出的企业 {firms} 家，获授信 {granted} 家，被拒 {refused} 家，待补充数据 {pending} 家；授信额度 {limit}，提款 {drawn}；期内利息 {interest}，其中财政贴息 {subsidy}；风险补偿资金池 {pool}，预期代偿 {expected}（基于模型违约概率的估算）；财政成本 {cost}",
    ),
    (
        "cycle.finance_not_run",
        "credit lines (云量贷): not decided: {reason}",
        "云量贷：未决定：{reason}",
    ),
    ("cycle.held_back", "held back by", "未通过的条件"),
    (
        "finance.pool_short",
        "the pool ran short: under {rule} it paid what it held, {shortfall} of the compensation due went unpaid",
        "资金池不足：按{rule}规则支付其余额，应补偿而未补偿 {shortfall}",
    ),
    ("finance.pool_no_claim", "no claim yet", "尚无代偿申请"),
    (
        "finance.pool_paid",
        "every claim was paid its share in full",
        "每笔代偿均已足额支付",
    ),
    // The 云量贷 eligibility rules (finance::eligibility), by key.
    ("finance.rule.in_force", "in_force", "产品有效期"),
    ("finance.rule.sme", "sme", "中小微企业"),
    (
        "finance.rule.stable_operation",
        "stable_operation",
        "经营稳定",
    ),
    ("finance.rule.good_credit", "good_credit", "信誉良好"),
    ("finance.rule.registered", "registered", "入库培育"),
    (
        "finance.rule.verified_spend",
        "verified_spend",
        "核验支出下限",
    ),
    ("finance.rule.credit_quality", "credit_quality", "信用质量"),
    ("finance.rule.limit_min", "limit_min", "最低授信额度"),
    (
        "finance.simulated",
        "{loans} loans, {runs} runs over {years} years (seed {seed}): expected loss {simulated} simulated against {analytic} analytic (Σ PD × LGD × EAD; standard error {se}, z = {z}); the program's cost is {cost} of the credit extended",
        "贷款 {loans} 笔，{runs} 次模拟，{years} 年（种子 {seed}）：预期损失模拟值 {simulated}，解析值 {analytic}（Σ PD × LGD × EAD；标准误 {se}，z = {z}）；财政成本占授信的 {cost}",
    ),
    ("cycle.report", "report: {dir}", "报告：{dir}"),
    ("cycle.sandbox", "Sandbox applications", "沙盒申请"),
    ("cycle.violations", "Violations", "违法行为"),
    (
        "cycle.inspections",
        "Inspections: {planned} planned; site visits {before} → {after} ({saved} saved by joint inspections and non-site review); {non_site} non-site reviews; {breaches} cap breaches; {alerts} alerts.",
        "检查：计划 {planned} 次；现场检查 {before} → {after} 次（联合检查与非现场检查节省 {saved} 次）；非现场检查 {non_site} 次；超出年度上限 {breaches} 家；预警 {alerts} 条。",
    ),
    // Charts.
    // Index results for people (report::index).
    (
        "index.marks",
        "index marks: * rests partly on filled or carried values, p published path, - no data",
        "指数标记：* 部分基于插补或沿用值，p 报告公布路径，- 无数据",
    ),
    (
        "index.warning",
        "warning: {missing} of {rows} figures shown rest partly on leaves without data (missing_share > 0): {leaves}; see the missing_share column",
        "警告：所示 {rows} 个数值中有 {missing} 个部分基于无数据的指标（missing_share > 0）：{leaves}；见 missing_share 列",
    ),
    ("index.more", " and {n} more", " 等，另有 {n} 项"),
    ("index.none_shown", "(none shown)", "（未列出）"),
    ("chart.year", "Year", "年份"),
    ("chart.firms", "Firms", "企业数（家）"),
    (
        "chart.tiers",
        "Firms per tier after each yearly adjustment",
        "历年调整后各层级企业数",
    ),
    (
        "chart.vouchers",
        "Voucher flows per program, {year}",
        "{year} 年各项目券额流向",
    ),
    ("chart.vouchers_granted", "Granted", "已发放"),
    ("chart.vouchers_redeemed", "Redeemed", "已兑付"),
    ("chart.vouchers_outstanding", "Outstanding", "未使用余额"),
    (
        "chart.clusters",
        "Utilisation and rack occupancy per cluster, {year}",
        "{year} 年各集群利用率与机架上架率",
    ),
    ("chart.percent", "%", "%"),
    ("chart.utilisation", "Card utilisation", "加速卡利用率"),
    ("chart.rack_occupancy", "Rack occupancy", "机架上架率"),
    (
        "chart.rack_target",
        "Target: rack occupancy ≥ 65 %",
        "目标：机架上架率 ≥ 65%",
    ),
    (
        "chart.index_level",
        "{name}: index level, {unit} ({base} = 100)",
        "{name}：指数水平，{unit}（{base} 年 = 100）",
    ),
    (
        "chart.index_children",
        "{name}: sub-indices in {years} ({base} = 100)",
        "{name}：分项指数，{years} 年（{base} 年 = 100）",
    ),
    (
        "chart.cohort",
        "Cohort cultivation index: growth since {base}, the {n} provinces that grew most ({base} = 100)",
        "数创企业培育指数：{base} 年以来增长最快的 {n} 个省份（{base} 年 = 100）",
    ),
    (
        "chart.index_axis",
        "Index ({base} = 100)",
        "指数（{base} 年 = 100）",
    ),
    ("chart.base_line", "Base level 100", "基期水平 100"),
    (
        "chart.estimated",
        "Dashed, hollow: rests partly on estimated values or on indicators without data",
        "虚线、空心点：部分基于估算值或无数据的指标",
    ),
    (
        "chart.no_data",
        "Gap: {line} has no data in {years}",
        "断点：{line} {years} 年无数据",
    ),
    ("chart.bar_no_data", "{name} (no data)", "{name}（无数据）"),
    (
        "chart.last_observed",
        "{year} (last observed)",
        "{year} 年（最后观测年）",
    ),
    ("chart.year_label", "{year}", "{year} 年"),
    (
        "chart.tornado",
        "{name}, {year}: change of the total when one weight moves by ±{perturb}",
        "{name}，{year} 年：单一权重变动 ±{perturb} 时总指数的变化",
    ),
    (
        "chart.tornado_axis",
        "Change of the total (%)",
        "总指数变化（%）",
    ),
    ("chart.weight_up", "Weight raised", "权重上调"),
    ("chart.weight_down", "Weight lowered", "权重下调"),
    (
        "chart.band",
        "{name}, {unit}: 5–95 % band of {samples} draws (weights ±{perturb})",
        "{name}，{unit}：{samples} 次抽样的 5%–95% 区间（权重 ±{perturb}）",
    ),
    (
        "chart.tornado_rest",
        "{n} other weights move the total by less than {pct} % and are not drawn",
        "其余 {n} 项权重使总指数变化不足 {pct}%，图中未列出",
    ),
    (
        "chart.tornado_unit",
        "Each bar: the largest change over the units (the unit is named in the table).",
        "每根柱：各地区中的最大变化（地区见表格）。",
    ),
    ("chart.band_area", "5–95 % band", "5%–95% 区间"),
    ("chart.median", "Median", "中位数"),
    ("chart.nominal", "Nominal", "基准值"),
    // Sources under the charts.
    (
        "source.tiers",
        "tiers.csv: the registry's yearly adjustments (registry-model)",
        "tiers.csv：培育库历年调整结果（registry-model）",
    ),
    (
        "source.vouchers",
        "vouchers.csv: the voucher ledger after the year's grants and compute payments",
        "vouchers.csv：本年度发放与算力支付后的券账本",
    ),
    (
        "source.clusters",
        "compute_clusters.csv: the year's simulated placement on the 东数西算 clusters (data/compute/catalog.toml); target from the national hub-node plan",
        "compute_clusters.csv：本年度在东数西算集群上的调度模拟（data/compute/catalog.toml）；目标值来自全国一体化算力网络枢纽节点方案",
    ),
    (
        "source.caict",
        "index_caict.csv: CAICT, Science-industry innovation fusion index report 2025 (data/caict-2025)",
        "index_caict.csv：中国信通院《科技创新和产业创新融合发展指数报告（2025）》（data/caict-2025）",
    ),
    (
        "source.cohort",
        "index_cohort.csv: the registry's annual reports by province (data/cohort-index/framework.csv)",
        "index_cohort.csv：培育库企业年报的分省汇总（data/cohort-index/framework.csv）",
    ),
    // Sheet and table titles.
    ("table.tiers", "Firms per tier", "各层级企业数"),
    ("table.changes", "Change log", "调整明细"),
    ("table.panel", "Selection panel", "遴选培育组评审"),
    ("table.benefits", "Benefits per firm", "惠企政策明细"),
    ("table.vouchers", "Vouchers per program", "各项目券额"),
    (
        "table.compute_clusters",
        "Compute per cluster",
        "各集群算力",
    ),
    ("table.compute_jobs", "Compute jobs", "算力作业"),
    ("table.compute_rejections", "Jobs not placed", "未调度作业"),
    ("table.compute_summary", "Compute summary", "算力汇总"),
    ("table.sandbox", "Sandbox decisions", "沙盒决定"),
    ("table.enforcement", "Enforcement decisions", "执法决定"),
    ("table.inspections", "Inspection plan", "检查计划"),
    (
        "table.index_caict",
        "CAICT fusion index",
        "信通院融合发展指数",
    ),
    ("table.index_cohort", "Cohort index", "数创企业培育指数"),
    (
        "table.scenario_matches",
        "Scenario matches and bundles",
        "场景对接与配套券",
    ),
    ("table.targets", "Targets and progress", "培育目标及进展"),
    ("table.per_program", "Per program", "分项目"),
    ("table.credit_lines", "Credit lines (云量贷)", "云量贷授信"),
    ("table.credit_reach", "Credit lines by tier", "云量贷分层级"),
];

/// The text of `key` in `lang`; the key itself when the catalogue has no such message (so a
/// missing message shows, rather than vanishing).
pub fn text(key: &str, lang: Lang) -> &str {
    match MESSAGES.iter().find(|(k, _, _)| *k == key) {
        Some((_, en, zh)) => lang.pick(en, zh),
        None => key,
    }
}

/// The message `key` in `lang` with each `{name}` replaced by its value.
pub fn fill(key: &str, lang: Lang, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = text(key, lang).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// `label: value` with the colon of the language (`数据来源：…`, `Source: …`).
pub fn labelled(label_key: &str, value: &str, lang: Lang) -> String {
    format!("{}{}{value}", text(label_key, lang), lang.pick(": ", "："))
}

/// The heading of column `key` for people: the catalogue's label, or the key itself when
/// the catalogue has none.
pub fn column(key: &str, lang: Lang) -> &str {
    match MESSAGES
        .iter()
        .find(|(k, _, _)| k.strip_prefix("col.") == Some(key))
    {
        Some((_, en, zh)) => lang.pick(en, zh),
        None => key,
    }
}

/// The placeholders of a message text, in order of appearance.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_message_has_both_languages_and_the_same_placeholders() {
        let mut keys = BTreeSet::new();
        for (key, en, zh) in MESSAGES {
            assert!(keys.insert(key), "{key} is in the catalogue twice");
            assert!(!en.trim().is_empty(), "{key} has no English text");
            assert!(!zh.trim().is_empty(), "{key} has no Chinese text");
            // A Chinese text says something in Chinese, unless it is only figures and
            // symbols shared by both (`{year}`, `%`).
            let bare: String = zh
                .chars()
                .filter(|c| c.is_alphabetic() && c.is_ascii())
                .collect();
            let only_placeholders = placeholders(zh).concat().len() == bare.len();
            assert!(
                has_cjk(zh) || only_placeholders || *en == *zh,
                "{key}: '{zh}' is not Chinese"
            );
            let (a, b): (BTreeSet<_>, BTreeSet<_>) = (
                placeholders(en).into_iter().collect(),
                placeholders(zh).into_iter().collect(),
            );
            assert_eq!(a, b, "{key}: the languages name different figures");
        }
    }

    #[test]
    fn messages_are_filled_and_missing_ones_show_their_key() {
        assert_eq!(
            fill("cycle.report", Lang::Zh, &[("dir", &"r/2025")]),
            "报告：r/2025"
        );
        assert_eq!(column("granted_yuan", Lang::Zh), "已发放（元）");
        assert_eq!(column("granted_yuan", Lang::En), "Granted (yuan)");
        assert_eq!(column("no_such_column", Lang::Zh), "no_such_column");
        assert_eq!(text("no.such.key", Lang::En), "no.such.key");
        assert_eq!(placeholders("a {x} b {y}"), ["x", "y"]);
    }
}
