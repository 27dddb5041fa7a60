## The public merchant record (/merchants/{id}): rectification, the way off the black list, the
## rating history (src/web/public/record.rs, src/i18n/words.rs).

# A date on the public record; $month is a number 1–12.
date-long = { $year }年{ $month }月{ $day }日

# How a rectification notice stands (words::notice_outcome).
outcome-verified = 已整改，{ $on }验收合格
outcome-verified-late = 逾期整改，{ $on }才验收合格（期限为{ $deadline }）
outcome-overdue = 自{ $since }起逾期，尚未整改验收
outcome-overdue-answered = 自{ $since }起逾期；商家已回复，等待检查员核查
outcome-answered = 商家已回复，等待检查员核查（期限{ $deadline }）
outcome-open = 整改中，期限{ $deadline }

# How a disclosed violation's rectification stands (words::violation_status).
violation-no-notice = 未下发整改通知
violation-rectified = 已整改，{ $on }验收合格
violation-rectified-late = 逾期整改，{ $on }验收合格
violation-overdue = 整改逾期（自{ $since }起）
violation-answered = 已报整改，等待检查员核查
violation-due = 整改期限{ $deadline }

# The way off the black list (words::way_out_step), one clause each.
way-out-close-notices = 完成逾期整改通知的整改并通过验收（{ $count }份）
way-out-follow-up = { $after }之后通过一次复查（不低于{ $score }分）
way-out-not-before = { $until }起方可移出（严重违规发生于{ $serious }，须满{ $days }天）
way-out-reach-score = 评分达到{ $score }分以上（{ $stars }星）
way-out-window = 即使不做信用修复，{ $trigger }的记录也将于{ $on }移出{ $days }天的评价期，不再计入

# The record page.
record-way-out = 如何移出黑榜
record-way-out-intro = 须同时满足：
record-notices = 整改通知
record-notices-none = 没有需要公示的整改通知。
record-notice-number = 第{ $seq }号（{ $year }年）
record-notice-col = 通知书编号
record-notice-issued = 签发
record-notice-deadline = 整改期限
record-notice-outcome = 结果
record-notice-concerns = 涉及：
record-history-note = 按当前评分规则，根据每次检查当日的记录重新计算；最后一点为当前评分。
record-history-dates = 日期
record-history-score = 评分
record-history-table = 评分历史（表格）
record-history-stars = 星级
record-history-list = 榜单
record-unrated-short = 待评
