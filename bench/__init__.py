"""`make bench`: measured figures of the studio on a throw-away database (var/bench/)."""
