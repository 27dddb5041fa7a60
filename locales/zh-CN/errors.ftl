## errors: why a service refused a request, as the person is told (the error enums' message())

# Passwords ($min: the shortest password accepted)
errors-password-too-short = 密码至少{ $min }个字符。
errors-password-contains-username = 密码不能包含用户名。
errors-password-guessable = 密码太容易被猜到（常见密码、重复字符、键盘序列或单词）。请使用更长、更不规则的密码，例如几个不相关的词加数字。

# The annual commendation
errors-commendation-bad-year = 年份须在 2000 年至今年之间。
errors-commendation-year-not-over = 该年度尚未结束，年度表彰须在次年作出决定。
errors-commendation-already-decided = 该年度的表彰决定已经作出，不能再更改。
errors-commendation-no-rule = 当前评级规则未设置表彰等级（policy.toml 的 [commendation]）。
errors-commendation-nobody = 没有拟表彰的商家：请先增补商家，或确认该年度无人表彰。
errors-commendation-no-merchant = 商家不存在。
errors-commendation-unknown-level = 表彰等级不存在。
errors-commendation-bad-reason = 请填写理由（2 至 500 字）。
errors-commendation-note-too-long = 说明最多 500 字。
errors-commendation-not-proposed = 该商家不在拟表彰名单中，无需排除。
errors-commendation-already-proposed = 该商家已按此等级列入拟表彰名单。
errors-commendation-other = 操作失败，请稍后再试。
