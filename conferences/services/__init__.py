"""State-changing operations on cases, conferences, meetings and tasks.

Each validates, writes atomically, logs, and raises a DomainError with a German message.
"""
