"""Durable background jobs: state in cairn's database, executed by Huey."""
