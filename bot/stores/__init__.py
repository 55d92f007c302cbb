"""Stores: the registry of physical stores, their hours and beacons."""
