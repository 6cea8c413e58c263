"""cairn.api"""
