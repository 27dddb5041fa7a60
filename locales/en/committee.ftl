## committee

trainings-title = Trainings
trainings-new = Record a training session
trainings-name = Title
trainings-date = Date
trainings-hours = Hours
trainings-attendees = Merchants attending
trainings-add = Record attendance
trainings-save = Save
rewards-title = Rewards ledger
rewards-grant = Grant a reward
rewards-merchant = Merchant
rewards-amount = Amount (yuan)
rewards-reason = Reason
rewards-date = Date granted
rewards-total = Total granted
rewards-by-year = By year
rewards-by-merchant = By merchant
form-errors = Please correct the following:
trainings-choose-merchant = Choose at least one merchant.
