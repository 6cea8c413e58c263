"""cairn.cli"""
