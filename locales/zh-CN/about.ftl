# 给消费者看的说明：星级的含义（/about/ratings）、开放数据（/about/data），以及每处星级旁的文字。

stars-words-5 = 优秀
stars-words-4 = 良好
stars-words-3 = 一般
stars-words-2 = 需改进
stars-words-1 = 差，亟需整改
stars-words-unrated = 评价期内尚无检查，暂不评级

about-ratings-nav = 星级说明
about-data-nav = 开放数据
about-ratings-link-title = 星级是什么意思？

about-ratings-title = 星级和红黑榜是什么意思
about-ratings-intro = 联盟检查员到店检查，按联盟委员会公布的评级规则给每家商家评定一到五颗星。以下内容全部取自现行规则，规则一改，本页随之更新。
about-levels-title = 五个星级
about-range-from = { $min } 分及以上
about-range-between = { $min } – { $max } 分
about-range-below = 低于 { $max } 分
about-unrated-range = 无得分
about-unrated = 待评：评价期内没有检查记录的商家暂不评级，也不会被默认为一颗星；下一次检查后即有星级。

about-score-title = 得分怎么算
about-score-window = 只看最近 { $days } 天（评价期）内的记录。
about-score-mean = 基础分是评价期内各次检查得分的平均分；每次检查满分 100 分，按检查表逐项扣分。
about-score-violations = 评价期内发现的每项违规再扣分：一般 { $minor } 分，较重 { $major } 分，严重 { $serious } 分。
about-score-complaints = 经核实的投诉每件扣 { $each } 分，最多扣 { $cap } 分。
about-score-notices = 评定当天仍逾期未整改的整改通知，每份扣 { $each } 分。
about-score-training = 参加食品安全培训每小时加 { $per_hour } 分，最多加 { $cap } 分。
about-score-clamp = 最终得分在 0 到 100 分之间，再按上表换算成星级。

about-red-title = 怎样上红榜
about-red-intro = 不在黑榜上、已评级，并且同时满足以下各项：
about-red-stars = 至少 { $stars } 颗星；
about-red-no-violation = 最近 { $days } 天内没有任何违规；
about-red-no-open-notice = 没有未结的整改通知；
about-red-member = 是共治联盟成员。

about-black-title = 怎样会上黑榜
about-black-intro = 符合以下任何一项即上黑榜（黑榜优先于红榜）：
about-black-serious = 最近 { $days } 天内有严重违规；
about-black-overdue = 整改通知逾期未整改；
about-black-stars = 只有 { $stars } 颗星或更低。
about-black-none = 现行规则没有启用任何上黑榜的条件。

about-repair-title = 信用修复：怎样离开黑榜
about-repair-intro = 因违规或逾期上榜的商家，满足以下全部条件后自动离开黑榜：
about-repair-stay = 距最近一次严重违规已满 { $days } 天；
about-repair-notices = 没有逾期未整改的整改通知；
about-repair-follow-up = 上榜原因之后的复查得分不低于 { $score } 分；
about-repair-stars = 因星级过低上榜的，只有得分回升到 { $stars } 颗星及以上才会离开。

about-often-title = 多久检查一次
about-often-window = 评级规则尚未规定检查频次；星级只根据最近 { $days } 天内的检查得出。
about-often-figures = 截至 { $upto } 的 12 个月里，共检查 { $inspections } 次，已评级商家 { $rated } 家，平均每家 { $per } 次；{ $share }% 的已评级商家在这 12 个月里至少接受过一次检查。
about-often-none = 目前还没有已评级的商家。

about-policy-version = 现行评级规则版本

about-data-title = 开放数据
about-data-intro = 红黑榜、星级和检查记录都可以免费下载、免登录调用，内容与公开页面一致，不含联系人、电话和电子邮箱。
about-data-downloads = 整体下载
about-data-merchants = 商家和当前评级（merchants.csv）
about-data-merchants-what = 每家营业中的商家：类别、地址、片区、是否联盟成员、星级、得分、所在榜单。
about-data-lives = 检查记录（LIVES 格式）
about-data-lives-what = 商家、检查和公开的违规记录，美国 LIVES 餐饮检查数据格式（四个 CSV 文件打包）。
about-data-fhrs = 英国 FHRS 格式
about-data-fhrs-what = 按英国食品卫生评级（FHRS）评定的商家，FSA 开放数据 XML 格式。
about-data-api = 接口（JSON）
about-data-api-intro = 公开接口无需登录；完整说明见 OpenAPI 文档。
about-data-openapi = 接口说明（OpenAPI）
about-data-openapi-what = 所有接口的机器可读说明，由程序生成，始终与实际一致。
about-data-list-red = 当前红榜
about-data-list-black = 当前黑榜
about-data-list-what = 最新一期的榜单，含上榜原因和日期。
about-data-editions = 历次发布
about-data-editions-what = 每一期红黑榜的期号和发布日期。
about-data-edition = 最新一期（全部内容）
about-data-edition-what = 一期红黑榜的全部条目，发布后不再改动。
about-data-merchants-api = 商家查询
about-data-merchants-api-what = 按名称、统一社会信用代码或地址查询商家（?q=），每页 50 家。
about-data-licence = 怎样读这些数据：
