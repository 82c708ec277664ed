"""Staff accounts and their sign-in.

store (accounts and API tokens), login_throttle (failed sign-ins slowed down).
"""
