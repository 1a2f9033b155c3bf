"""The mathematics of fair judging, in pure Python beside workflows/.

Nothing here imports flask or sqlalchemy (a test holds that): every module
takes plain values and returns plain values, so it can be read, tested and
benchmarked without an application.

- names: one form of a person's name, however it is written
- expertise: the controlled vocabulary of judges' fields
- conflicts: conflict-of-interest detection between judges and candidates
- assignment (a package): the optimal assignment of judges to nominations
- aggregation (a package): turning score sheets into a ranking, ties,
  stability, agreement

The two packages re-export what callers use; their docstrings describe the
method and list their modules.
"""
