## form: the inspection form on a phone (issue 16)

form-change-merchant = 换一家
form-deducted = 扣分
form-catalogue-search = 从违法行为目录中选
form-catalogue-hint = 输入关键词或编号，如“健康证”“XF”
form-catalogue-none = 目录中没有符合的条目，可在下面直接填写。
form-catalogue-pick = 目录条目
form-catalogue-typed = 不在目录中（自行填写）
form-catalogue-full = 五条违法行为已填满，请保存后再编辑补充。
form-draft-restored = 已恢复上次未保存的草稿。
form-draft-discard = 丢弃草稿
form-step-less = 少扣 1 分
form-step-more = 多扣 1 分
form-same-day-title = 这家商家当天已有检查记录。如确是另一次检查，请勾选确认后再保存；如是重复提交，请不要保存。
form-same-day-entry = { $time } 由 { $inspector } 记录（第 { $id } 号）
form-same-day-confirm = 确认当天再记一次检查
form-same-day-api = 这家商家当天已有检查记录；如确是另一次检查，请在请求中加上 "confirm_same_day": true。
form-photos = 现场照片
form-photos-none = 没有照片。
form-photos-add = 添加照片
form-photos-help = 每张不超过 { $mb } MB，每次检查最多 { $max } 张；照片会缩小并去掉位置信息，只有工作人员和该商家能看到。
form-photos-upload = 上传
form-photo-alt = 检查照片 { $n }
form-photos-too-many = 每次检查最多 { $max } 张照片。
form-photos-too-big = 照片太大：每张不超过 { $mb } MB。
form-photos-not-image = 无法读取这张照片，请上传 JPEG 或 PNG 图片。
form-photos-empty = 请先选择照片。
