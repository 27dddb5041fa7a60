## staff

nav-staff = 工作台
staff-title = 工作台
staff-role = 角色
staff-editions = 红黑榜发布
staff-merchants = 商家管理
staff-inspections = 检查记录
staff-trainings = 培训
staff-complaints = 投诉处理
staff-own-record = 本店公示记录
staff-rewards = 奖励台账
staff-users = 用户管理
staff-audit = 审计日志
staff-stats = 本年度统计
