"""cairn.client"""
