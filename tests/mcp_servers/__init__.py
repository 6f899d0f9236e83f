"""Servers and tool files the MCP tests start."""
