// PostgreSQL backend: see PostgresStore.swift
