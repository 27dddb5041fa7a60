# Branch entry (issue 16): the formal notice print page, committee entry by name search and
# confirmations, and the staff pages on a phone (audit log in words).

## The formal rectification notice (整改通知书), A4.
entry-print-title = 整改通知书
entry-print-org = 商家自治联盟 · 共治平台
entry-print-back = 返回通知
entry-print-print = 打印
entry-print-link = 打印整改通知书（A4）
entry-print-in-language = 中文版
entry-print-to = 被检查商家
entry-print-credit-code = 统一社会信用代码
entry-print-address = 地址
entry-print-inspected = 检查日期
entry-print-inspector = 检查员
entry-print-issued = 签发日期
entry-print-lead = 经检查，贵店存在下列问题，现责令限期整改：
entry-print-violations = 存在问题
entry-print-basis = 依据
entry-print-basis-none = （未注明）
entry-print-requirement = 整改要求
entry-print-deadline = 整改期限
entry-print-deadline-note = 请于上述日期前（含当日）完成整改并回复；逾期未通过验收的，将依规列入黑榜。
entry-print-answer = 回复方式
entry-print-answer-how = 请登录商家平台查看本通知并回复整改情况（可上传照片、申请复查）：
entry-print-sign-inspector = 检查员签名：
entry-print-sign-merchant = 商家负责人签收：
entry-print-sign-date = 日期：
entry-print-seal = （盖章）

## Staff pages in words (web/staff_words.rs): audit actions, actors, entities, email kinds.
entry-action = { $key ->
    [bulletin-read] 通报已读
    [bulletin-remind] 通报提醒
    [bulletin-send] 发送通报
    [campaign-assign] 分配评比检查员
    [campaign-close] 结束星级评比
    [campaign-open] 开启星级评比
    [charter-confirm] 确认公约
    [charter-publish] 发布公约
    [commendation-adjust] 调整评优
    [commendation-adjust_withdraw] 撤回评优调整
    [commendation-create] 生成评优
    [commendation-decide] 评优决定
    [commendation-revoke] 撤销评优
    [complaint-create] 收到投诉
    [complaint-triage] 处理投诉
    [edition-publish] 发布榜单
    [edition-create] 生成榜单
    [inspection-create] 登记检查
    [inspection-photos] 添加检查照片
    [inspection-photo-removed] 删除检查照片
    [inspection-update] 修改检查
    [login_link-requested] 申请登录链接
    [login_link-used] 使用登录链接
    [membership-apply] 申请入盟
    [membership-apply_again] 再次申请入盟
    [membership-approve] 批准入盟
    [membership-decline] 拒绝入盟
    [membership-leave_confirm] 确认退盟
    [membership-leave_request] 申请退盟
    [membership-leave_withdraw] 撤回退盟
    [merchant-close] 商家关闭
    [merchant-create] 新增商家
    [merchant-reply] 商家回应
    [merchant-update] 修改商家
    [notice-answered] 商家回复整改
    [notice-create] 新增整改通知
    [notice-emailed] 整改通知已发邮件
    [notice-issued] 签发整改通知
    [notice-overdue] 整改逾期
    [notice-read] 商家已读通知
    [notice-reminded] 整改到期提醒
    [notice-verified] 整改验收通过
    [notice-rejected] 退回整改
    [outbox-requeue] 重发邮件
    [policy-load] 载入评级规则
    [rating-change] 评级变化
    [reward-create] 发放奖励
    [token-create] 创建接口令牌
    [token-revoke] 吊销接口令牌
    [training-attendance] 登记培训出勤
    [training-create] 新增培训
    [training-details] 修改培训详情
    [training-reminded] 培训提醒
    [training-signup] 报名培训
    [training-signup_cancel] 取消培训报名
    [user-create] 新增用户
    [user-password_changed] 修改密码
    [user-password_reset] 重置密码
    [user-password_reset_forced] 强制重置密码
    [user-set_active] 启用/停用用户
    [user-set_role] 修改用户角色
    [user-signed_out_everywhere] 全部设备退出登录
    [violation-create] 记录违规
   *[other] { $code }
}
entry-actor-system = { $key ->
    [bulletin-link] 系统（通报链接）
    [cli] 系统（命令行）
    [daily-bulletins] 系统（每日通报任务）
    [daily-recompute] 系统（每日重算）
    [demo] 系统（演示数据）
    [first-start] 系统（首次启动）
    [import] 系统（导入）
    [join] 系统（入盟申请）
    [mail] 系统（邮件）
    [policy-load] 系统（载入规则）
    [public] 系统（公众）
    [recompute] 系统（重算）
    [test] 系统（测试）
    [training-reminders] 系统（培训提醒）
   *[other] 系统（{ $code }）
}
entry-entity = { $key ->
    [api_token] 接口令牌
    [bulletin] 通报
    [charter_version] 公约版本
    [commendation] 评优
    [commendation_decision] 评优决定
    [complaint] 投诉
    [edition] 榜单
    [inspection] 检查
    [membership_application] 入盟申请
    [merchant] 商家
    [notice] 整改通知
    [outbox] 邮件
    [policy] 评级规则
    [reward] 奖励
    [training] 培训
    [user] 用户
    [violation] 违规
    [rating] 评级
    [answer] 整改回复
   *[other] { $code }
}
entry-mail-kind = { $key ->
    [commendation] 评优证书
    [login-link] 登录链接
    [membership-approved] 入盟批准
    [membership-declined] 入盟未批准
    [membership-left] 退盟确认
    [notice-answered] 商家回复
    [notice-decided] 验收结果
    [notice-issued] 整改通知书
    [notice-reminder] 整改到期提醒
    [password-reset] 重置密码
    [routine] 例行邮件
    [test] 测试邮件
    [training-reminder] 培训提醒
    [bulletin-sent] 通报
    [bulletin-reminder] 通报提醒
   *[other] { $code }
}

## The audit log's readable change.
entry-audit-removed = （已删除）

## Committee entry: merchants picked by name, confirmations, badges, bounded hours.
entry-pick-search = 按商家名称或信用代码搜索
entry-pick-find = 搜索
entry-pick-hint = 请先输入商家名称的一部分并搜索，再从结果中选择。
entry-pick-none = 没有找到符合条件的营业中商家。
entry-reward-granted = 已发放奖励：
entry-attendance-recorded = 已登记 { $count } 家商家出勤，其评级已重新计算。
entry-decided-accepted = 已验收通过，通知书已关闭。
entry-decided-rejected = 已退回整改，新的整改期限为 { $deadline }。
entry-decided-emailed = 已发邮件告知商家（{ $to }）。
entry-decided-no-email = 商家没有电子邮箱，未发送邮件，请另行告知。
entry-badge-accepted = 已通过验收
entry-badge-sent-back = 退回整改
entry-hours-span = 培训从 { $start } 开始，当天最多还有 { $max } 学时；请改短学时或提早开始时间。
trainings-not-held = 这次培训在 { $date } 举行，举行之后才能登记出勤。
