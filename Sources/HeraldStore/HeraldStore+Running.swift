extension HeraldStore {
    /// Runs `body` against this store, migrated, while its connections are up (`run()` in a sibling task),
    /// then stops it. For one-shot commands and tests; `herald serve` runs the store in its service group.
    /// With `requireSchema`, a database without Herald's schema is refused (``StoreError/notSetUp``) instead of created.
    public func withRunning<T: Sendable>(requireSchema: Bool = false, _ body: @Sendable @escaping (any HeraldStore) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.run()
                return nil
            }
            group.addTask {
                if requireSchema, try await !self.hasSchema() { throw StoreError.notSetUp }
                try await self.migrate()
                return try await body(self)
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }
}
