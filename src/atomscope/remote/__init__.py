"""Talking to servers atomscope does not control (the Hub, GitHub, publishers' URLs, OpenRouter).

`checks`: what a server sends is validated before it is used (revision ids, scratch paths, which host may
see a credential). `guard`: deadlines and byte caps enforced at the socket, one mechanism for every
client. `fetch`: bounded GETs that check content type and shape, and bounded pagination. docs/network.md
states the rules.
"""
