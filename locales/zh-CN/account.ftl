## account

account-title = 我的账号
account-role = 角色
account-password = 修改密码
account-current = 当前密码
account-new = 新密码
account-confirm = 再次输入新密码
account-rule = 至少10个字符，不能包含用户名，不能是常见密码、键盘序列或重复字符。几个不相关的词加数字就很好。
account-save = 保存新密码
account-changed = 密码已修改。其他设备上的登录已全部退出。
account-sessions = 已登录的设备
account-started = 登录时间
account-last-seen = 最近访问
account-expires = 到期
account-everywhere = 退出所有设备
account-everywhere-hint = 如果您在别人的设备上登录过，或怀疑密码泄露，请退出所有设备并修改密码。
account-tokens = API 令牌
account-created = 创建
account-last-used = 最近使用
account-never = 从未
account-no-expiry = 撤销前一直有效
account-revoked = 已撤销
reset-title = 设置新密码
reset-gone = 此链接已失效（已使用或已过期）。请联系管理员重新发送。
reset-done = 新密码已设置，请用它登录。
