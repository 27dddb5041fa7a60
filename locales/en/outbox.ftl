## outbox

staff-outbox = Outbox
outbox-title = Email outbox
outbox-smtp-off = No SMTP configured: emails stay in the outbox and are sent automatically once GONGZHI_SMTP_URL is set.
outbox-smtp-on = Emails are sent through the SMTP server
outbox-queued = Queued
outbox-sent = Sent
outbox-failed = Failed
outbox-kind = Kind
outbox-to = To
outbox-subject = Subject
outbox-created = Created
outbox-attempts = Attempts
outbox-last-error = Last error
outbox-state = State
outbox-next = Next attempt
outbox-history = Attempts history
outbox-ok = accepted
outbox-retry = Send again
outbox-empty = The outbox is empty
outbox-latest = The latest 100 emails; times are local
