## problems: what the services say is wrong with an input (services::problem). Each message
## is a Problem's id; its variables are the values the service passes.

# Joins a list of line numbers.
problems-list-separator = 、

## merchants: the register's fields

# $label: the field's name (a message such as merchants-name)
problems-field-required = 请填写{ $label }。
problems-field-too-long = { $label }不能超过 { $max } 个字符。
problems-credit-code-required = 请填写统一社会信用代码。
problems-credit-code-length = 统一社会信用代码应为18位，实际为{ $n }位
problems-credit-code-charset = 第{ $position }位字符“{ $ch }”不合法（不得使用I、O、Z、S、V）
problems-credit-code-area-code = 第3至8位（登记管理机关行政区划码）应为数字
problems-credit-code-check-char = 校验码错误：第18位应为{ $expected }，实际为{ $found }
problems-credit-code-org-check-char = 组织机构代码校验码错误：第17位应为{ $expected }，实际为{ $found }
problems-credit-code-taken-by = 统一社会信用代码 { $code } 已登记（商家：{ $name }）。
problems-credit-code-taken = 统一社会信用代码 { $code } 已登记。
problems-credit-code-registered = 该统一社会信用代码已登记。
problems-email-invalid = 电子邮箱格式不正确（例如 shop@example.com）。
problems-phone-invalid = 电话只能包含数字、“+”、“-”和空格，最多 { $max } 个字符。
problems-member-since-format = 入盟日期格式应为 YYYY-MM-DD（例如 2024-03-01）。
problems-member-left-on-format = 离盟日期格式应为 YYYY-MM-DD（例如 2025-09-15）。
problems-member-left-not-member = 只有联盟成员才能离盟：请同时填写入盟日期。
problems-member-left-before-joining = 离盟日期不能早于入盟日期（{ $since }）。
problems-member-left-future = 离盟日期不能晚于今天；请在离盟当天或之后登记。

## merchants: importing a register (CSV)

problems-import-header-unreadable = 无法读取表头（文件须为 UTF-8 编码的 CSV）：{ $error }
problems-import-column-twice = 表头中“{ $column }”列重复。
# $columns: the columns a register may have, comma-separated
problems-import-column-unknown = 未知的列“{ $column }”。可用的列：{ $columns }。
problems-import-column-missing = 表头缺少必需的列“{ $column }”。
problems-import-code-repeats = 统一社会信用代码 { $code } 与第 { $line } 行重复。
problems-import-row-length = 该行有 { $len } 列，表头有 { $expected } 列。
problems-import-row-not-utf8 = 该行不是 UTF-8 编码（请将文件另存为 UTF-8 CSV）。
problems-import-row-unreadable = 该行无法读取：{ $error }
# The import's outcome. $rows: data rows read; $written: merchants created; $bad: rows with
# errors; $lines: their line numbers.
problems-import-header-bad = 表头有误，未导入任何商家。
problems-import-all = 共 { $rows } 行，已全部导入 { $written } 家商家。
problems-import-skipped = 共 { $rows } 行，已导入 { $written } 家商家；{ $bad } 行有错误，已跳过（第 { $lines } 行）。
problems-import-rejected = 共 { $rows } 行，其中 { $bad } 行有错误，未导入任何商家。请修改后重新导入，或选择“仅导入正确的行”。

## inspections

problems-inspection-merchant-missing = 请选择商家。
problems-inspection-merchant-invalid = 商家编号无效。
problems-inspection-unknown-merchant = 没有这个商家，请重新选择。
problems-inspection-merchant-fixed = 不能更改检查记录所属的商家；如记错商家，请为正确的商家另行登记。
problems-inspection-date-missing = 请填写检查日期。
problems-inspection-date-format = 日期格式应为 年-月-日，例如 2026-01-31。
problems-inspection-date-future = 检查日期不能晚于今天（{ $today }）。
problems-inspection-date-too-early = 检查日期不能早于 { $year } 年。
problems-inspection-kind = 请选择检查类型（日常、复查、投诉、自查）。
problems-inspection-notes-too-long = 备注不能超过 { $max } 个字符。
# $error: the policy's reason, in English
problems-inspection-score = 检查表扣分有误：{ $error }
problems-deduction-unknown = 检查表中没有“{ $code }”这一项。
problems-deduction-twice = 检查项 { $code } 填写了两次。
problems-deduction-range = { $code } 的扣分应在 0 到 { $max } 分之间。
problems-deduction-not-whole = { $code } 的扣分应为整数。
# Violations: $n is the violation's row on the form, from 1.
problems-violation-id-invalid = 违规记录编号无效。
problems-violation-code-missing = 第 { $n } 条违规：请填写违规代码。
problems-violation-code-too-long = 第 { $n } 条违规：代码不能超过 { $max } 个字符。
problems-violation-severity = 第 { $n } 条违规：请选择严重程度（一般、较重、严重）。
problems-violation-description-missing = 第 { $n } 条违规：请描述违规情况。
problems-violation-description-too-long = 第 { $n } 条违规：描述不能超过 { $max } 个字符。
problems-violation-legal-basis-too-long = 第 { $n } 条违规：法律依据不能超过 { $max } 个字符。
problems-violation-fine-not-a-number = 第 { $n } 条违规：罚款金额应为数字（元），例如 200 或 200.50。
problems-violation-fine-decimals = 第 { $n } 条违规：罚款金额最多两位小数（精确到分）。
problems-violation-fine-too-large = 第 { $n } 条违规：罚款金额过大。
problems-violation-fine-fen-range = 第 { $n } 条违规：罚款金额（分）应在 0 到 { $max } 之间。
problems-violation-not-here = 该违规记录不属于本次检查。
problems-violation-twice = 同一条违规记录出现了两次。
problems-violation-on-notice = 违规记录 { $code }（编号 { $id }）已列入整改通知书，不能删除；如需更正，请修改该条而不要清空。

## notices: issuing one, the merchant's answer, the inspector's decision

problems-notice-no-violation = 请至少选择一项违规问题。
problems-notice-violation-elsewhere = 违规记录 { $violation } 不属于检查记录 { $inspection }。
problems-notice-violation-on-other-notice = 违规记录 { $violation } 已在另一份整改通知中。
problems-notice-actions-short = 请写明整改要求（至少 { $min } 个字）。
problems-notice-actions-long = 整改要求不能超过 { $max } 个字。
problems-notice-deadline-format = 请填写整改期限，格式为 YYYY-MM-DD。
problems-notice-deadline-past = 整改期限必须晚于今天。
problems-notice-deadline-far = 整改期限不能超过 { $days } 天。
problems-answer-short = 请说明整改了什么（至少 { $min } 个字）。
problems-answer-long = 回复不能超过 { $max } 个字。
problems-answer-photos-many = 最多上传 { $max } 张照片。
# $name: the photo's file name; $mb: the largest size allowed, in MB
problems-answer-photo-large = 照片 { $name } 超过 { $mb } MB。
problems-answer-photo-type = 照片 { $name } 不是 JPEG 或 PNG 图片。
problems-decision-reason-missing = 退回时请写明原因。
problems-decision-reason-long = 原因不能超过 { $max } 个字。
problems-decision-deadline-with-accept = 验收通过时不能设置新期限。
problems-decision-deadline-range = 新期限必须晚于今天且在 { $days } 天内。
problems-decision-deadline-format = 新期限格式应为 YYYY-MM-DD。
problems-decision-overdue-extension = 已逾期的整改通知不能延期。

## replies: the merchant's public reply to its rating

problems-reply-short = 回复至少 { $min } 个字。
problems-reply-long = 回复不能超过 { $max } 个字。
problems-reply-link = 回复中不能包含网址。
problems-reply-email = 回复中不能包含电子邮箱。
problems-reply-phone = 回复中不能包含电话号码等个人信息。
problems-reply-invalid-chars = 回复包含无效字符。
problems-reply-meaningless = 回复内容无意义。
