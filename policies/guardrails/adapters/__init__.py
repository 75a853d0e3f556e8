"""Adapters build the rule catalogue's facts from one source each (engine props, Config items, describe calls)."""
