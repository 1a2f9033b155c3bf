"""The mathematics of fair judging, in pure Python beside workflows/.

Nothing here imports flask or sqlalchemy (a test holds that): each module
takes plain values and returns plain values, so it can be read, tested and
benchmarked without an application.

- names: one form of a person's name, however it is written
- expertise: the controlled vocabulary of judges' fields
- conflicts: conflict-of-interest detection between judges and candidates
- assignment: the optimal assignment of judges to nominations
- aggregation: turning score sheets into a ranking, ties, stability, agreement
"""
