## account

account-title = My account
account-role = Role
account-password = Change password
account-current = Current password
account-new = New password
account-confirm = New password again
account-rule = At least 10 characters, not containing your user name, not a common password, keyboard pattern or repetition. A few unrelated words with digits work well.
account-save = Save the new password
account-changed = Password changed. You were signed out on every other device.
account-sessions = Signed-in devices
account-started = Signed in
account-last-seen = Last seen
account-expires = Ends
account-everywhere = Sign out everywhere
account-everywhere-hint = If you signed in on someone else's device or think your password leaked, sign out everywhere and change your password.
account-tokens = API tokens
account-created = Created
account-last-used = Last used
account-never = never
account-no-expiry = until revoked
account-revoked = revoked
reset-title = Set a new password
reset-gone = This link no longer works (used or expired). Ask your administrator to send a new one.
reset-done = Your new password is set; log in with it.
