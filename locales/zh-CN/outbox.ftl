## outbox

staff-outbox = 发件箱
outbox-title = 发件箱
outbox-smtp-off = 未配置 SMTP：邮件保留在发件箱中，配置 GONGZHI_SMTP_URL 后自动发送。
outbox-smtp-on = 邮件经由 SMTP 服务器发送：
outbox-queued = 待发送
outbox-sent = 已发送
outbox-failed = 发送失败
outbox-kind = 类型
outbox-to = 收件人
outbox-subject = 主题
outbox-created = 创建时间
outbox-attempts = 尝试次数
outbox-last-error = 最近错误
outbox-state = 状态
outbox-next = 下次尝试
outbox-history = 发送记录
outbox-ok = 成功
outbox-retry = 重新发送
outbox-empty = 发件箱为空
outbox-latest = 最近 100 封邮件，时间为本地时间
