## staff

nav-staff = Workspace
staff-title = Workspace
staff-role = Role
staff-editions = Publish list editions
staff-merchants = Merchants
staff-inspections = Inspections
staff-trainings = Trainings
staff-complaints = Complaints
staff-own-record = My shop's public record
staff-rewards = Rewards ledger
staff-users = Users
staff-audit = Audit log
staff-stats = This year so far
