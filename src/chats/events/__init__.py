"""What services address, below them: the channels frames go to, and the unit of work that
hands a transaction's frames to the broker only after it committed."""
