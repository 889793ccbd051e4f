"""`atomscope audit`: which Hub models a code tree depends on, where they come from, what to switch to."""
