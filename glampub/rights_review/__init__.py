"""Rights statements a person decides.

queue (the review queue, and re-applying an institution's rules), stored_rules
(an institution's own rights rules, as stored).
"""
