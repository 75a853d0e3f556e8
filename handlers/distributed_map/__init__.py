"""Handlers of the distributed-map architecture (post 002#20, CyberGRX): the company scoring function."""
