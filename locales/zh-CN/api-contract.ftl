## api-contract: the JSON errors of /api/ that no handler writes (the request could not reach one)

api-error-bad-request = 请求无法解析。
api-error-not-found = 接口或记录不存在。
api-error-method-not-allowed = 此接口不支持该请求方法（可用的方法见 Allow 响应头）。
api-error-not-acceptable = 此接口只返回 application/json。
api-error-too-large = 请求内容过大。
api-error-unsupported-media-type = 请求内容须为 JSON（Content-Type: application/json）。
api-error-other = 请求无法处理。
# A query string parameter that could not be read ($detail: the parser's words, in English)
api-error-query = 查询参数有误：{ $detail }
# The JSON body could not be read ($detail: the parser's words, in English)
api-error-body = JSON 内容无法解析：{ $detail }
