## api-contract: the JSON errors of /api/ that no handler writes (the request could not reach one)

api-error-bad-request = The request could not be read.
api-error-not-found = No such endpoint or record.
api-error-method-not-allowed = This endpoint does not take that method (the Allow header lists those it takes).
api-error-not-acceptable = This endpoint answers only application/json.
api-error-too-large = The request body is too large.
api-error-unsupported-media-type = The body must be JSON (Content-Type: application/json).
api-error-other = The request could not be handled.
# A query string parameter that could not be read ($detail: the parser's words, in English)
api-error-query = A query parameter is not valid: { $detail }
# The JSON body could not be read ($detail: the parser's words, in English)
api-error-body = The JSON body could not be read: { $detail }
