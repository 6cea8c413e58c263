"""cairn.web"""
