# The work queue (/staff) and the inspection programme (/staff/programme)
queue-title = Waiting for you
queue-nothing = Nothing is waiting for you.
queue-answers-to-verify = { $count ->
    [one] answer to a notice to verify
   *[other] answers to notices to verify
}
queue-overdue-notices = { $count ->
    [one] notice past its deadline
   *[other] notices past their deadline
}
queue-complaints-to-triage = { $count ->
    [one] complaint to triage
   *[other] complaints to triage
}
queue-inspections-overdue = { $count ->
    [one] merchant overdue for inspection
   *[other] merchants overdue for inspection
}
queue-inspections-due-soon = { $count ->
    [one] merchant due for inspection within 14 days
   *[other] merchants due for inspection within 14 days
}
queue-campaign-assignments = { $count ->
    [one] merchant assigned to you in a star-rating campaign
   *[other] merchants assigned to you in star-rating campaigns
}
queue-membership-waiting = { $count ->
    [one] membership application or leave request
   *[other] membership applications and leave requests
}
queue-programme-title = Inspection programme
queue-programme-intro = Merchants due for inspection or overdue, the most overdue first.
queue-all-areas = All areas
queue-within = Days ahead
queue-filter = Filter
queue-print = Print route sheet
queue-csv = Download CSV
queue-none-due = No merchant is due.
queue-log-inspection = Log an inspection
queue-route-sheet = Inspection route sheet
queue-printed-on = Printed on
queue-inspector-sign = Inspector's signature
queue-col-order = No.
queue-col-id = ID
queue-col-name = Merchant
queue-col-address = Address
queue-col-area = Area
queue-col-contact = Contact
queue-col-reason = Reason
queue-col-due = Due
queue-col-overdue = Days overdue
queue-col-done = Done
queue-days-overdue = { $days ->
    [one] 1 day overdue
   *[other] { $days } days overdue
}
queue-next-inspection = Next inspection: { $date } ({ $reason })
queue-reason-new = new merchant, not inspected yet
queue-reason-black-list = on the black list
queue-reason-stars = the interval for ★{ $stars }
queue-reason-unrated = no stars yet
queue-reason-complaint = a verified complaint
queue-reason-follow-up = a credit-repair follow-up request
