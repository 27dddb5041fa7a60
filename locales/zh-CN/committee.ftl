## committee

trainings-title = 培训
trainings-new = 记录一次培训
trainings-name = 培训主题
trainings-date = 日期
trainings-hours = 学时（小时）
trainings-attendees = 参训商家
trainings-add = 登记参训商家
trainings-save = 保存
rewards-title = 奖励台账
rewards-grant = 发放奖励
rewards-merchant = 商家
rewards-amount = 金额（元）
rewards-reason = 事由
rewards-date = 发放日期
rewards-total = 累计发放
rewards-by-year = 按年度
rewards-by-merchant = 按商家
form-errors = 请修改以下内容：
trainings-choose-merchant = 请至少选择一个商家。
