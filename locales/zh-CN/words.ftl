## The words for the domain's codes (src/i18n/words.rs).

kind-routine = 日常
kind-follow-up = 复查
kind-complaint = 投诉
kind-self-check = 自查

severity-minor = 一般
severity-major = 较重
severity-serious = 严重

list-status-none = 无
list-status-red = 红榜
list-status-black = 黑榜

term-inspections = 检查平均分
term-violations-minor = 一般违规
term-violations-major = 较重违规
term-violations-serious = 严重违规
term-complaints = 核实投诉（封顶）
term-overdue-notices = 逾期整改通知
term-training = 培训加分（封顶）
term-clamp = 分数限定在0–100
term-fhrs-inspection = FHRS 最近一次检查

## Why a merchant is on a list (ListReason) or left it (LeftReason).

reason-serious-violation = { $date } 存在严重违规
reason-overdue-notice = 整改通知逾期未整改（期限 { $deadline }）
reason-overdue-notice-verified-late = 整改通知逾期（期限 { $deadline }，{ $verified } 才验收）
reason-low-stars = 评级仅为{ $stars }星
reason-repair-needs-notices-closed = 尚有逾期未验收的整改通知
reason-repair-needs-follow-up = 需在 { $after } 之后通过复查（不低于{ $score }分）
reason-repair-minimum-stay = 最短公示期未满，{ $until } 起方可申请信用修复
reason-credit-repaired = 已完成信用修复
reason-credit-repaired-on = 已完成信用修复（{ $date } 复查通过）
reason-red-all-criteria = { $stars }星，评价期内无违规、无未结整改通知，联盟成员
# Between two reasons on one line.
reason-separator = ；
left-credit-repaired = 信用修复：整改通知均已核销，复查合格，且已满最短公示期
left-list-changed = 评定变更为{ $list }

## A rectification notice's state, and why it refuses an event.

notice-state-issued = 已签发
notice-state-emailed = 已发送邮件
notice-state-read = 商家已阅
notice-state-answered = 商家已回复，待验收
notice-state-verified = 已验收（关闭）
notice-state-overdue = 逾期未整改
refusal-closed = 该整改通知已验收关闭。
refusal-answer-pending = 已有回复等待检查员验收，请等待处理结果。
refusal-nothing-to-decide = 该整改通知没有待验收的回复。

## Input errors of the domain's value types.

money-empty = 请填写金额。
money-not-a-number = 金额应为数字，例如 2000 或 2000.50。
money-too-many-decimals = 金额最多两位小数（精确到分）。
money-too-large = 金额过大。
